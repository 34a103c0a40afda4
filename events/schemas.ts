// Zod schemas of every event on the bus. Detail objects are deliberately not strict: within a
// schemaVersion producers may add fields, and consumers must keep parsing (unknown keys are
// stripped), so only removing or retyping a field is a breaking change.
import * as z from 'zod';
import {
  DELIVERY_EVENT_TYPES,
  DETAIL_TYPES,
  type DeliveryEventType,
  type DetailType,
  DRONE_EVENT_TYPES,
  type DroneEventType,
  SOURCE_OF,
} from './catalog.ts';

export { sourceOf } from './catalog.ts';

const isoDateTime = () => z.iso.datetime({ offset: true });
const nonEmpty = () => z.string().min(1);
/**
 * The owning account on delivery events other than DeliveryCreated: producers send it, but the
 * contract (docs/architecture.md, event catalog) does not list it, so a reader must not require it
 * (History keeps the owner it took from DeliveryCreated).
 */
const ownerAccountId = () => nonEmpty().optional();

// --- shared parts -------------------------------------------------------------------------

export const locationSchema = z.object({
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  altitude: z.number(),
});

export const metadataSchema = z.object({
  /**
   * Names the logical event; the same however often it is published (consumers deduplicate on it).
   * Producers always set it; a reader falls back to the envelope's `id` for an event without it.
   */
  eventId: nonEmpty().optional(),
  correlationId: nonEmpty(),
  causationId: z.string().optional(),
  schemaVersion: nonEmpty(),
  /** When the producer published it, to the millisecond (the envelope's `time` has whole seconds). */
  occurredAt: z.iso.datetime({ offset: true }).optional(),
});

export const FAILURE_REASONS = [
  'AccountSuspended',
  'AccountNotFound',
  'PackageRejected',
  'NoDroneAvailable',
  'RetriesExhausted',
  'InvalidRequest',
] as const;
export const failureReasonSchema = z.enum(FAILURE_REASONS);

/** Why a reschedule was refused; the delivery keeps its plan, its drone and its package. */
export const RESCHEDULE_REJECTION_REASONS = [
  'NoDroneAvailable',
  'PackageRejected',
  'InvalidRequest',
] as const;
export const rescheduleRejectionReasonSchema = z.enum(RESCHEDULE_REJECTION_REASONS);

export const DRONE_STATUSES = [
  'Idle',
  'HeadedToPickup',
  'PickedUp',
  'HeadedToDropoff',
  'Dropped',
  'Returning',
  'Charging',
] as const;
export const droneStatusSchema = z.enum(DRONE_STATUSES);

export type Location = z.infer<typeof locationSchema>;
export type EventMetadata = z.infer<typeof metadataSchema>;
export type FailureReason = z.infer<typeof failureReasonSchema>;
export type RescheduleRejectionReason = z.infer<typeof rescheduleRejectionReasonSchema>;
export type DroneStatus = z.infer<typeof droneStatusSchema>;

// --- details, one per detail-type ---------------------------------------------------------

export const deliveryCreatedDetailSchema = z.object({
  deliveryId: nonEmpty(),
  accountId: nonEmpty(),
  droneId: nonEmpty(),
  pickup: locationSchema,
  dropoff: locationSchema,
  pickupEta: isoDateTime(),
  deliveryEta: isoDateTime(),
  metadata: metadataSchema,
});

export const deliveryRescheduledDetailSchema = z.object({
  deliveryId: nonEmpty(),
  accountId: ownerAccountId(),
  droneId: nonEmpty().optional(),
  pickupTime: isoDateTime(),
  deadline: isoDateTime(),
  dropoff: locationSchema,
  pickupEta: isoDateTime(),
  deliveryEta: isoDateTime(),
  /** The reschedule request served; added within version 1, so optional. */
  requestId: nonEmpty().optional(),
  metadata: metadataSchema,
});

export const deliveryInTransitDetailSchema = z.object({
  deliveryId: nonEmpty(),
  accountId: ownerAccountId(),
  droneId: nonEmpty(),
  location: locationSchema,
  metadata: metadataSchema,
});

export const deliveryCompletedDetailSchema = z.object({
  deliveryId: nonEmpty(),
  accountId: ownerAccountId(),
  droneId: nonEmpty(),
  location: locationSchema,
  completedAt: isoDateTime(),
  metadata: metadataSchema,
});

export const deliveryCancelledDetailSchema = z.object({
  deliveryId: nonEmpty(),
  accountId: ownerAccountId(),
  reason: z.string().optional(),
  metadata: metadataSchema,
});

export const deliveryFailedDetailSchema = z.object({
  deliveryId: nonEmpty(),
  accountId: ownerAccountId(),
  reason: failureReasonSchema,
  detail: z.string().optional(),
  metadata: metadataSchema,
});

/** A reschedule as the client asked for it: only the fields it wanted changed. */
export const rescheduleChangeSchema = z.object({
  pickupTime: isoDateTime().optional(),
  deadline: isoDateTime().optional(),
  dropoff: locationSchema.optional(),
});

export const deliveryRescheduleRejectedDetailSchema = z.object({
  deliveryId: nonEmpty(),
  accountId: ownerAccountId(),
  reason: rescheduleRejectionReasonSchema,
  detail: z.string().optional(),
  change: rescheduleChangeSchema,
  /** The reschedule request refused. Producers send it; the contract does not list it, so optional. */
  requestId: nonEmpty().optional(),
  metadata: metadataSchema,
});

export const dronePositionChangedDetailSchema = z.object({
  droneId: nonEmpty(),
  deliveryId: nonEmpty().optional(),
  location: locationSchema,
  batteryPercent: z.number().min(0).max(100),
  speedMps: z.number().min(0),
  /** When the drone measured it; added within version 1, so optional (readers fall back to the envelope's `time`). */
  recordedAt: isoDateTime().optional(),
  metadata: metadataSchema,
});

export const droneStatusChangedDetailSchema = z.object({
  droneId: nonEmpty(),
  deliveryId: nonEmpty().optional(),
  status: droneStatusSchema,
  location: locationSchema,
  batteryPercent: z.number().min(0).max(100),
  /** When the drone measured it; added within version 1, so optional (readers fall back to the envelope's `time`). */
  recordedAt: isoDateTime().optional(),
  metadata: metadataSchema,
});

export type DeliveryCreatedDetail = z.infer<typeof deliveryCreatedDetailSchema>;
export type DeliveryRescheduledDetail = z.infer<typeof deliveryRescheduledDetailSchema>;
export type DeliveryInTransitDetail = z.infer<typeof deliveryInTransitDetailSchema>;
export type DeliveryCompletedDetail = z.infer<typeof deliveryCompletedDetailSchema>;
export type DeliveryCancelledDetail = z.infer<typeof deliveryCancelledDetailSchema>;
export type DeliveryFailedDetail = z.infer<typeof deliveryFailedDetailSchema>;
export type DeliveryRescheduleRejectedDetail = z.infer<typeof deliveryRescheduleRejectedDetailSchema>;
export type RescheduleChange = z.infer<typeof rescheduleChangeSchema>;
export type DronePositionChangedDetail = z.infer<typeof dronePositionChangedDetailSchema>;
export type DroneStatusChangedDetail = z.infer<typeof droneStatusChangedDetailSchema>;

export const eventSchemas = {
  DeliveryCreated: deliveryCreatedDetailSchema,
  DeliveryRescheduled: deliveryRescheduledDetailSchema,
  DeliveryInTransit: deliveryInTransitDetailSchema,
  DeliveryCompleted: deliveryCompletedDetailSchema,
  DeliveryCancelled: deliveryCancelledDetailSchema,
  DeliveryFailed: deliveryFailedDetailSchema,
  DeliveryRescheduleRejected: deliveryRescheduleRejectedDetailSchema,
  DronePositionChanged: dronePositionChangedDetailSchema,
  DroneStatusChanged: droneStatusChangedDetailSchema,
} as const satisfies Record<DetailType, z.ZodType>;

/** The detail type of one detail-type, e.g. `DetailOf<'DeliveryCreated'>`. */
export type DetailOf<T extends DetailType> = z.infer<(typeof eventSchemas)[T]>;

/** The detail as a producer writes it, before its metadata is filled in. */
export type DataOf<T extends DetailType> = Omit<DetailOf<T>, 'metadata'>;

/** `{ detailType, detail }` pairs, discriminated on detailType. */
export type TypedDetail<T extends DetailType> = { [K in T]: { detailType: K; detail: DetailOf<K> } }[T];

export type DeliveryEvent = TypedDetail<DeliveryEventType>;
export type DroneEvent = TypedDetail<DroneEventType>;
export type CatalogEvent = TypedDetail<DetailType>;

// --- the EventBridge envelope -------------------------------------------------------------

export const envelopeSchema = z.object({
  version: z.string(),
  id: nonEmpty(),
  'detail-type': nonEmpty(),
  source: nonEmpty(),
  account: z.string(),
  time: isoDateTime(),
  region: z.string(),
  resources: z.array(z.string()),
  detail: z.unknown(),
});

/** An EventBridge envelope whose detail has not been validated yet. */
export type EventEnvelope = z.infer<typeof envelopeSchema>;

/** A validated envelope: the EventBridge fields plus the typed detail. */
export type ParsedEvent<T extends DetailType = DetailType> = {
  [K in T]: Omit<EventEnvelope, 'detail-type' | 'detail' | 'source'> & {
    'detail-type': K;
    source: (typeof SOURCE_OF)[K];
    detail: DetailOf<K>;
  };
}[T];

function envelopeFor<T extends DetailType>(detailType: T) {
  return envelopeSchema.extend({
    'detail-type': z.literal(detailType),
    source: z.literal(SOURCE_OF[detailType]),
    detail: eventSchemas[detailType],
  });
}

const envelopeSchemas = {
  DeliveryCreated: envelopeFor(DETAIL_TYPES.DeliveryCreated),
  DeliveryRescheduled: envelopeFor(DETAIL_TYPES.DeliveryRescheduled),
  DeliveryInTransit: envelopeFor(DETAIL_TYPES.DeliveryInTransit),
  DeliveryCompleted: envelopeFor(DETAIL_TYPES.DeliveryCompleted),
  DeliveryCancelled: envelopeFor(DETAIL_TYPES.DeliveryCancelled),
  DeliveryFailed: envelopeFor(DETAIL_TYPES.DeliveryFailed),
  DeliveryRescheduleRejected: envelopeFor(DETAIL_TYPES.DeliveryRescheduleRejected),
  DronePositionChanged: envelopeFor(DETAIL_TYPES.DronePositionChanged),
  DroneStatusChanged: envelopeFor(DETAIL_TYPES.DroneStatusChanged),
} as const;

/** Envelope schema of a single detail-type: source and detail-type pinned, detail validated. */
export function envelopeSchemaFor<T extends DetailType>(detailType: T): (typeof envelopeSchemas)[T] {
  return envelopeSchemas[detailType];
}

export const deliveryEnvelopeSchema = z.discriminatedUnion(
  'detail-type',
  DELIVERY_EVENT_TYPES.map((t) => envelopeSchemas[t]) as unknown as [
    (typeof envelopeSchemas)[DeliveryEventType],
    ...(typeof envelopeSchemas)[DeliveryEventType][],
  ],
);

export const droneEnvelopeSchema = z.discriminatedUnion(
  'detail-type',
  DRONE_EVENT_TYPES.map((t) => envelopeSchemas[t]) as unknown as [
    (typeof envelopeSchemas)[DroneEventType],
    ...(typeof envelopeSchemas)[DroneEventType][],
  ],
);

export const anyEnvelopeSchema = z.discriminatedUnion(
  'detail-type',
  Object.values(envelopeSchemas) as unknown as [
    (typeof envelopeSchemas)[DetailType],
    ...(typeof envelopeSchemas)[DetailType][],
  ],
);

/** Validates a whole envelope of any catalog detail-type; throws a ZodError when it is not one. */
export function parseEnvelope(envelope: unknown): ParsedEvent {
  return anyEnvelopeSchema.parse(envelope) as ParsedEvent;
}

/** A delivery event as `parseDeliveryEvent` returns it: the typed pair plus the validated envelope. */
export type ParsedDeliveryEvent = DeliveryEvent & {
  envelope: ParsedEvent<DeliveryEventType>;
  /** `metadata.eventId`, or the envelope's `id` for an event published without one. */
  eventId: string;
};

/** A drone event's detail with the reader's fallbacks applied: `recordedAt` is always there. */
type ReadDroneEvent = {
  [K in DroneEventType]: { detailType: K; detail: DetailOf<K> & { recordedAt: string } };
}[DroneEventType];

/** A drone event as `parseDroneEvent` returns it: the typed pair plus the validated envelope. */
export type ParsedDroneEvent = ReadDroneEvent & {
  envelope: ParsedEvent<DroneEventType>;
  /** `metadata.eventId`, or the envelope's `id` for an event published without one. */
  eventId: string;
};

/** Validates an envelope from the deliveries source and returns its typed `{ detailType, detail }`. */
export function parseDeliveryEvent(envelope: unknown): ParsedDeliveryEvent {
  const parsed = deliveryEnvelopeSchema.parse(envelope) as ParsedEvent<DeliveryEventType>;
  return {
    detailType: parsed['detail-type'],
    detail: parsed.detail,
    envelope: parsed,
    eventId: parsed.detail.metadata.eventId ?? parsed.id,
  } as ParsedDeliveryEvent;
}

/** Validates an envelope from the drones source and returns its typed `{ detailType, detail }`. */
export function parseDroneEvent(envelope: unknown): ParsedDroneEvent {
  const parsed = droneEnvelopeSchema.parse(envelope) as ParsedEvent<DroneEventType>;
  // A drone that sends only the contract's fields is read with the envelope's time as its recording time.
  const detail = { ...parsed.detail, recordedAt: parsed.detail.recordedAt ?? parsed.time };
  return {
    detailType: parsed['detail-type'],
    detail,
    envelope: parsed,
    eventId: parsed.detail.metadata.eventId ?? parsed.id,
  } as ParsedDroneEvent;
}

/** Validates a detail of a known detail-type (producers call it before PutEvents); throws a ZodError. */
export function parseDetail<T extends DetailType>(detailType: T, detail: unknown): DetailOf<T> {
  return eventSchemas[detailType].parse(detail) as DetailOf<T>;
}
