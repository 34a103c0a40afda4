import { DETAIL_TYPES, type DeliveryEventType } from '../../../events/catalog.ts';
import type { ParsedDeliveryEvent } from '../../../events/schemas.ts';
import type { KnownStage, SchedulerStore, StageChange } from './store.ts';

// The scheduler's projection of a delivery's stage, learnt from the Delivery service's events, so
// that PATCH and DELETE decide 409 without calling the Delivery service (docs/architecture.md §5.1:
// ingest calls no other service). It may lag the Delivery service by an event's trip; then the
// workflow still meets the Delivery service's own 409 and ends the operation unchanged.

/** The stage each delivery event tells. A reschedule served is Scheduled again. */
export const STAGE_OF_EVENT = {
  [DETAIL_TYPES.DeliveryCreated]: 'Scheduled',
  [DETAIL_TYPES.DeliveryRescheduled]: 'Scheduled',
  [DETAIL_TYPES.DeliveryInTransit]: 'InTransit',
  [DETAIL_TYPES.DeliveryCompleted]: 'Completed',
  [DETAIL_TYPES.DeliveryCancelled]: 'Cancelled',
  [DETAIL_TYPES.DeliveryFailed]: 'Failed',
} as const satisfies Partial<Record<DeliveryEventType, KnownStage>>;

/** The detail-types the scheduler's subscription matches. */
export const STAGE_EVENT_TYPES = Object.keys(STAGE_OF_EVENT) as (keyof typeof STAGE_OF_EVENT)[];

/** Stages after which a delivery can no longer be rescheduled or cancelled. */
export const FINAL_OR_IN_FLIGHT: ReadonlySet<KnownStage> = new Set<KnownStage>([
  'InTransit',
  'Completed',
  'Cancelled',
  'Failed',
]);

/** Stages a delivery never leaves. */
export const FINAL: ReadonlySet<string> = new Set(['Completed', 'Cancelled', 'Failed']);

/**
 * Records the stage a delivery event tells on the delivery's request. Idempotent and
 * order-tolerant: the store keeps a stage only over an earlier one, so a repeated or late event
 * changes nothing; an event of another type (or an unknown delivery) is skipped.
 */
export async function recordDeliveryStage(
  store: Pick<SchedulerStore, 'recordStage'>,
  event: ParsedDeliveryEvent,
): Promise<StageChange | 'not-a-stage'> {
  const stage: KnownStage | undefined = (STAGE_OF_EVENT as Partial<Record<string, KnownStage>>)[
    event.detailType
  ];
  if (stage === undefined) return 'not-a-stage';
  const at = event.detail.metadata.occurredAt ?? event.envelope.time;
  return store.recordStage(event.detail.deliveryId, stage, event.eventId, at);
}
