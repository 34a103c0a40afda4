import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { ALL_DETAIL_TYPES, type DetailType } from '../events/catalog.ts';
import { withCorrelationId } from './correlation.ts';
import { catalogEvent, type EventPublisher } from './publisher.ts';

// The transactional outbox every producer of the bus uses (docs/architecture.md, "Events"): an event
// is written in the same conditional write as the state change that causes it, with its identity
// (`eventId`, `occurredAt`) fixed at that moment; it is published after the write and cleared by its
// batch key. Whoever publishes it (the writer, a later call, the sweeper after a crash) publishes it
// with the same identity, so a consumer recognizes a second publication as the same event.

/** An event stored with the change that caused it, waiting to be published. */
export const PendingEvent = z.object({
  eventId: z.string().min(1),
  detailType: z.enum(ALL_DETAIL_TYPES as [DetailType, ...DetailType[]]),
  data: z.record(z.string(), z.unknown()),
  correlationId: z.string(),
  causationId: z.string().optional(),
  occurredAt: z.string(),
});
export type PendingEvent = z.infer<typeof PendingEvent>;

/** What a producer decides to emit: the event without its identity, which `pendingEvents` gives it. */
export interface EventToEmit {
  detailType: DetailType;
  data: Record<string, unknown>;
  causationId?: string | undefined;
}

/**
 * Gives each event its identity for good: a new `eventId`, the time of the change, the correlation id.
 * The events of one change get successive milliseconds, so that a reader ordering by `occurredAt`
 * (History) keeps the order in which the change tells them (DeliveryCreated before DeliveryInTransit).
 */
export function pendingEvents(events: EventToEmit[], correlationId: string, now: Date): PendingEvent[] {
  return events.map((event, index) => ({
    eventId: randomUUID(),
    detailType: event.detailType,
    data: event.data,
    correlationId,
    ...(event.causationId === undefined ? {} : { causationId: event.causationId }),
    occurredAt: new Date(now.getTime() + index).toISOString(),
  }));
}

/**
 * Publishes an outbox batch with the identity it was stored with; the events keep the correlation id
 * of the call that caused them, even when a later call or the sweeper publishes them.
 */
export async function publishPending(publisher: EventPublisher, pending: PendingEvent[]): Promise<void> {
  const first = pending[0];
  if (first === undefined) return;
  await withCorrelationId(first.correlationId, () =>
    publisher.publish(
      pending.map((event) =>
        catalogEvent(event.detailType, event.data, {
          eventId: event.eventId,
          occurredAt: event.occurredAt,
          causationId: event.causationId,
        }),
      ),
    ),
  );
}

/** The sparse index key that lets a sweeper find outboxes a crash left behind without a Scan. */
export const OUTBOX_INDEX = 'pendingOutbox';
/** Number of index partitions the outbox items spread over, so no single partition takes every write. */
export const OUTBOX_SHARDS = 4;

const shardName = (shard: number) => `OUTBOX#${shard}`;

/** Every partition key of the outbox index, for a sweeper to query each. */
export function outboxShards(): string[] {
  return Array.from({ length: OUTBOX_SHARDS }, (_, shard) => shardName(shard));
}

/** The index attributes of an item holding an outbox batch (removed with the batch). */
export function outboxIndexKey(itemKey: string, writtenAt: string) {
  let hash = 0;
  for (const char of itemKey) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return { outboxShard: shardName(hash % OUTBOX_SHARDS), outboxSince: writtenAt };
}
