// Sleeps for `event.ms` and reports when it ran, so that tests can measure overlap.
export const handler = async (event) => {
  const start = Date.now();
  await new Promise((resolve) => setTimeout(resolve, event.ms));
  return { start, end: Date.now() };
};
