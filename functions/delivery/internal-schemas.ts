import * as z from 'zod';
import { failureReasonSchema, rescheduleRejectionReasonSchema } from '../../events/schemas.ts';
import {
  DEADLINE_AFTER_PICKUP_ISSUE,
  DELIVERY_REQUEST_FIELDS,
  deadlineAfterPickup,
  LocationInput,
} from '../../shared/contracts.ts';

// Bodies of the Delivery service's internal routes (docs/internals.md, "Internal API bodies").
// Fields the contract does not name are ignored rather than refused: the caller may grow additively.

const isoDateTime = z.iso.datetime({ offset: true });

export const PutDeliveryBody = z
  .object({ accountId: z.string().min(1).max(128), ...DELIVERY_REQUEST_FIELDS })
  .refine(deadlineAfterPickup, DEADLINE_AFTER_PICKUP_ISSUE);

export const ScheduleDeliveryBody = z.object({
  droneId: z.string().min(1).max(128),
  pickupEta: isoDateTime,
  deliveryEta: isoDateTime,
});

/** The scheduler's id of one reschedule request: the Delivery service decides each once. */
const RequestId = z.string().min(1).max(128);

/** The whole new plan with the drone booked for it (the deadline rule is the core's: a 422). */
export const RescheduleDeliveryBody = z.object({
  requestId: RequestId,
  pickupTime: isoDateTime,
  deadline: isoDateTime,
  dropoff: LocationInput,
  droneId: z.string().min(1).max(128),
  pickupEta: isoDateTime,
  deliveryEta: isoDateTime,
});

export const RejectRescheduleBody = z.object({
  requestId: RequestId,
  reason: rescheduleRejectionReasonSchema,
  detail: z.string().max(1000).optional(),
  /** What the client asked to change, as it asked. */
  change: z.object({
    pickupTime: isoDateTime.optional(),
    deadline: isoDateTime.optional(),
    dropoff: LocationInput.optional(),
  }),
});

/** A Requested delivery waits for a free drone until `until` (no event: a status detail only). */
export const WaitingBody = z.object({
  for: z.literal('drone'),
  until: isoDateTime,
});

export const FailDeliveryBody = z.object({
  reason: failureReasonSchema,
  detail: z.string().max(1000).optional(),
});

export const CancelDeliveryQuery = z.object({
  reason: z.string().min(1).max(200).optional(),
});
