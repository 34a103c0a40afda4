import * as z from 'zod';

// What the services agree on about a delivery, written once: the Scheduler, Delivery and History
// import it from here rather than from each other (docs/architecture.md §3). The request schemas
// validate the public API's bodies and generate the OpenAPI document, so they are strict: unknown
// fields are refused.

/** A delivery's stages (docs/architecture.md §3): Rescheduled behaves as Scheduled with a changed plan. */
export const DELIVERY_STAGES = [
  'Requested',
  'Scheduled',
  'Rescheduled',
  'InTransit',
  'Completed',
  'Cancelled',
  'Failed',
] as const;
export const DeliveryStage = z.enum(DELIVERY_STAGES);
export type DeliveryStage = z.infer<typeof DeliveryStage>;

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

/** Delivery ids are UUIDs minted by the scheduler. */
export const DeliveryIdParam = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'not a delivery id');
