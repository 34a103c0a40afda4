// Fails every invocation with a named error.
class DeliveryRefused extends Error {
  name = 'DeliveryRefused';
}

export const handler = async (event) => {
  throw new DeliveryRefused(`refused ${event?.id ?? 'event'}`);
};
