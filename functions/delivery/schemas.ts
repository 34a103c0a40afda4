import * as z from 'zod';
import { ConfirmationRequired, LocationInput, PackageInput } from '../../shared/contracts.ts';
import { STAGES } from './core/model.ts';

// The Delivery service's public request and response schemas (docs/architecture.md §3). They validate the
// requests and generate the OpenAPI document, so they are strict: unknown fields are refused.

export const DeliveryStage = z.enum(STAGES).meta({ id: 'DeliveryStage' });

const isoDateTime = z.iso.datetime({ offset: true });

export const DeliveryStatus = z
  .strictObject({
    deliveryId: z.string(),
    accountId: z.string(),
    stage: DeliveryStage,
    pickup: LocationInput,
    dropoff: LocationInput,
    pickupTime: isoDateTime,
    deadline: isoDateTime,
    expedited: z.boolean(),
    confirmationRequired: ConfirmationRequired,
    package: PackageInput,
    droneId: z.string().optional(),
    lastKnownLocation: LocationInput.optional(),
    pickupEta: isoDateTime.optional(),
    deliveryEta: isoDateTime.optional(),
    failureReason: z.string().optional(),
    /** While a Requested delivery waits for a free drone: until when one leaving could meet the deadline. */
    waiting: z.strictObject({ for: z.literal('drone'), until: isoDateTime }).optional(),
    createdAt: isoDateTime,
    updatedAt: isoDateTime,
  })
  .meta({ id: 'DeliveryStatus' });
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

export const DeliveryList = z
  .strictObject({
    items: z.array(DeliveryStatus),
    nextToken: z.string().optional(),
  })
  .meta({ id: 'DeliveryList' });

/** Query of `GET /v1/deliveries`. */
export const ListDeliveriesQuery = z
  .strictObject({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    nextToken: z.string().min(1).max(2048).optional(),
  })
  .meta({ id: 'ListDeliveriesQuery' });

/** E.164: a plus, a country code that does not start with 0, at most 15 digits in all. */
export const E164Phone = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number, e.g. +14155550123');

export const NotificationRequest = z
  .discriminatedUnion('channel', [
    z.strictObject({ channel: z.literal('email'), target: z.email().max(254) }),
    z.strictObject({ channel: z.literal('sms'), target: E164Phone }),
  ])
  .meta({ id: 'NotificationRequest' });
export type NotificationRequest = z.infer<typeof NotificationRequest>;

export const NotificationSubscription = z
  .strictObject({
    subscriptionId: z.string(),
    channel: z.enum(['email', 'sms']),
    target: z.string(),
  })
  .meta({ id: 'NotificationSubscription' });
