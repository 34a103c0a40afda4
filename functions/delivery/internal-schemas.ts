import * as z from 'zod';
import { failureReasonSchema } from '../../events/schemas.ts';
import {
  DEADLINE_AFTER_PICKUP_ISSUE,
  DELIVERY_REQUEST_FIELDS,
  deadlineAfterPickup,
  LocationInput,
} from '../scheduler/schemas.ts';

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

export const RescheduleDeliveryBody = z.object({
  pickupTime: isoDateTime.optional(),
  deadline: isoDateTime.optional(),
  dropoff: LocationInput.optional(),
});

export const FailDeliveryBody = z.object({
  reason: failureReasonSchema,
  detail: z.string().max(1000).optional(),
});

export const CancelDeliveryQuery = z.object({
  reason: z.string().min(1).max(200).optional(),
});
