import * as z from 'zod';
import { locationSchema } from '../../../events/schemas.ts';
import { DELIVERY_STAGES, DeliveryStage } from '../../../shared/contracts.ts';
import { PendingEvent } from '../../../shared/outbox.ts';

// The Delivery service's record as it lives in its table, and the status body clients see.

export const STAGES = DELIVERY_STAGES;
export const Stage = DeliveryStage;
export type Stage = DeliveryStage;

export const PackageRecord = z.object({
  size: z.enum(['Small', 'Medium', 'Large']),
  weightKg: z.number(),
  tag: z.string().optional(),
});

/**
 * A pickup or drop reported while the delivery was still Requested: the assigned drone took off
 * before the scheduler confirmed the delivery (its last step was retried). Applied when it is.
 */
export const EarlyFlight = z.object({
  droneId: z.string(),
  status: z.enum(['PickedUp', 'Dropped']),
  location: locationSchema,
  recordedAt: z.string(),
  causationId: z.string(),
});
export type EarlyFlight = z.infer<typeof EarlyFlight>;

/** What a Requested delivery waits for (docs/architecture.md §3): a free drone, until a time. */
export const Waiting = z.object({ for: z.literal('drone'), until: z.string() });
export type Waiting = z.infer<typeof Waiting>;

// Read side of the table: items are validated when read, never cast.
export const DeliveryRecord = z.object({
  deliveryId: z.string(),
  accountId: z.string(),
  stage: Stage,
  pickup: locationSchema,
  dropoff: locationSchema,
  pickupTime: z.string(),
  deadline: z.string(),
  expedited: z.boolean(),
  confirmationRequired: z.string(),
  package: PackageRecord,
  droneId: z.string().optional(),
  lastKnownLocation: locationSchema.optional(),
  lastPositionAt: z.string().optional(),
  pickupEta: z.string().optional(),
  deliveryEta: z.string().optional(),
  failureReason: z.string().optional(),
  failureDetail: z.string().optional(),
  cancelReason: z.string().optional(),
  completedAt: z.string().optional(),
  earlyFlight: EarlyFlight.optional(),
  /**
   * Set by the scheduler while the Requested delivery waits for a free drone: until when a drone
   * leaving could still meet the deadline. Shown only while the delivery is Requested, so the
   * transition out of it (scheduled, failed, cancelled) clears it without touching it.
   */
  waiting: Waiting.optional(),
  /**
   * The `eventId`s of the last drone status reports that changed this delivery, written with the
   * change itself: the same report delivered again, even with another envelope, changes nothing.
   */
  appliedDroneEvents: z.array(z.string()).optional(),
  /**
   * The `requestId`s of the last reschedules decided for this delivery (served or refused), written
   * with the decision: the scheduler's retry of the same call changes nothing and tells nothing again.
   */
  handledRequests: z.array(z.string()).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Optimistic concurrency: every stage change is conditional on the version it read. */
  version: z.number().int(),
  /**
   * The outbox (core/transitions.ts): events written with the change that caused them, each with its
   * identity fixed at that moment, published after the write and removed once published.
   */
  pendingEvents: z.array(PendingEvent).optional(),
  /** Identifies the batch in `pendingEvents`, so clearing it never removes a newer batch. */
  pendingKey: z.string().optional(),
});
export type DeliveryRecord = z.infer<typeof DeliveryRecord>;

/** The fields a state change may set (never the keys, the version or the outbox). */
export type DeliveryChanges = Partial<
  Omit<
    DeliveryRecord,
    'deliveryId' | 'accountId' | 'createdAt' | 'version' | 'pendingEvents' | 'pendingKey' | 'package'
  >
>;

export const SUBSCRIPTION_CHANNELS = ['email', 'sms'] as const;
export type Channel = (typeof SUBSCRIPTION_CHANNELS)[number];

export const SubscriptionRecord = z.object({
  subscriptionId: z.string(),
  deliveryId: z.string(),
  accountId: z.string(),
  channel: z.enum(SUBSCRIPTION_CHANNELS),
  target: z.string(),
  createdAt: z.string(),
});
export type SubscriptionRecord = z.infer<typeof SubscriptionRecord>;

/** The delivery status body of docs/architecture.md §3 (public and internal `GET`). */
export interface DeliveryStatusBody {
  deliveryId: string;
  accountId: string;
  stage: Stage;
  pickup: DeliveryRecord['pickup'];
  dropoff: DeliveryRecord['dropoff'];
  pickupTime: string;
  deadline: string;
  expedited: boolean;
  confirmationRequired: string;
  package: DeliveryRecord['package'];
  droneId?: string;
  lastKnownLocation?: DeliveryRecord['pickup'];
  pickupEta?: string;
  deliveryEta?: string;
  failureReason?: string;
  waiting?: Waiting;
  createdAt: string;
  updatedAt: string;
}

/** Maps a stored record to the status body: internal bookkeeping (version, outbox) stays inside. */
export function toStatusBody(record: DeliveryRecord): DeliveryStatusBody {
  return {
    deliveryId: record.deliveryId,
    accountId: record.accountId,
    stage: record.stage,
    pickup: record.pickup,
    dropoff: record.dropoff,
    pickupTime: record.pickupTime,
    deadline: record.deadline,
    expedited: record.expedited,
    confirmationRequired: record.confirmationRequired,
    package: record.package,
    ...(record.droneId === undefined ? {} : { droneId: record.droneId }),
    ...(record.lastKnownLocation === undefined ? {} : { lastKnownLocation: record.lastKnownLocation }),
    ...(record.pickupEta === undefined ? {} : { pickupEta: record.pickupEta }),
    ...(record.deliveryEta === undefined ? {} : { deliveryEta: record.deliveryEta }),
    ...(record.failureReason === undefined ? {} : { failureReason: record.failureReason }),
    ...(record.waiting === undefined || record.stage !== 'Requested' ? {} : { waiting: record.waiting }),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/** ISO 8601 in UTC with milliseconds, so stored times compare correctly as strings. */
export function normalizeTime(value: string): string {
  return new Date(value).toISOString();
}
