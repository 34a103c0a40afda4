import * as z from 'zod';

// The Scheduler's own public API schemas; the delivery request itself is a contract of several
// services (shared/contracts.ts), re-exported here for the Scheduler's modules.

export {
  ConfirmationRequired,
  DEADLINE_AFTER_PICKUP_ISSUE,
  DELIVERY_REQUEST_FIELDS,
  DeliveryIdParam,
  deadlineAfterPickup,
  LocationInput,
  PackageInput,
  PackageSize,
  RescheduleDeliveryRequest,
  ScheduleDeliveryRequest,
} from '../../shared/contracts.ts';

/** An `Idempotency-Key` header value. */
export const IdempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,128}$/, 'must be 1 to 128 visible ASCII characters');

export const AcceptedResponse = z
  .object({ deliveryId: z.string(), stage: z.string() })
  .meta({ id: 'DeliveryAccepted' });
