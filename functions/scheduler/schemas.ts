import * as z from 'zod';

// The public API's request schemas for scheduling (ARCHITECTURE §3). They validate requests and
// generate the OpenAPI document, so they are strict: unknown fields are refused.

export const LocationInput = z
  .strictObject({
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    altitude: z.number().min(-500).max(10_000),
  })
  .meta({ id: 'Location' });

export const PackageSize = z.enum(['Small', 'Medium', 'Large']).meta({ id: 'PackageSize' });
export const ConfirmationRequired = z
  .enum(['None', 'FingerPrint', 'Picture', 'Voice'])
  .meta({ id: 'ConfirmationRequired' });

export const PackageInput = z
  .strictObject({
    size: PackageSize,
    weightKg: z.number().positive().max(1_000),
    tag: z.string().min(1).max(100).optional(),
  })
  .meta({ id: 'PackageInput' });

const isoDateTime = z.iso.datetime({ offset: true });

/** The fields of a delivery request: the public body, and what the Delivery service stores of it. */
export const DELIVERY_REQUEST_FIELDS = {
  pickup: LocationInput,
  dropoff: LocationInput,
  pickupTime: isoDateTime,
  deadline: isoDateTime,
  expedited: z.boolean().default(false),
  confirmationRequired: ConfirmationRequired.default('None'),
  package: PackageInput,
};

/** The rule every delivery request obeys, wherever it is validated. */
export function deadlineAfterPickup(request: { pickupTime: string; deadline: string }): boolean {
  return Date.parse(request.deadline) > Date.parse(request.pickupTime);
}
export const DEADLINE_AFTER_PICKUP_ISSUE = {
  message: 'deadline must be after pickupTime',
  path: ['deadline'],
};

export const ScheduleDeliveryRequest = z
  .strictObject(DELIVERY_REQUEST_FIELDS)
  .refine(deadlineAfterPickup, DEADLINE_AFTER_PICKUP_ISSUE)
  .meta({ id: 'ScheduleDeliveryRequest' });
export type ScheduleDeliveryRequest = z.infer<typeof ScheduleDeliveryRequest>;

export const RescheduleDeliveryRequest = z
  .strictObject({
    pickupTime: isoDateTime.optional(),
    deadline: isoDateTime.optional(),
    dropoff: LocationInput.optional(),
  })
  .refine((request) => Object.keys(request).length > 0, {
    message: 'at least one of pickupTime, deadline, dropoff is required',
  })
  .meta({ id: 'RescheduleDeliveryRequest' });
export type RescheduleDeliveryRequest = z.infer<typeof RescheduleDeliveryRequest>;

/** An `Idempotency-Key` header value. */
export const IdempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,128}$/, 'must be 1 to 128 visible ASCII characters');

/** Delivery ids are UUIDs minted by the scheduler. */
export const DeliveryIdParam = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'not a delivery id');

export const AcceptedResponse = z
  .object({ deliveryId: z.string(), stage: z.string() })
  .meta({ id: 'DeliveryAccepted' });
