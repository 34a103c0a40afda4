import { logger } from '../../../shared/observability.ts';
import { outboxShards } from '../../../shared/outbox.ts';
import { type DeliveryDeps, flushPending } from './transitions.ts';

// The outbox sweeper: publishes the outboxes that calls which died between their write and their
// clear left on delivery items (core/transitions.ts, step 4). It reads the sparse outbox index, one
// Query per shard for batches written before the grace period, and publishes each with the identity
// it was stored with, so a batch that was in fact published already reaches consumers as the same
// events and is recorded once.

/** How far one run goes. */
export interface SweepLimits {
  /** An outbox younger than this may belong to a call still running: longer than any writer's timeout. */
  graceMs: number;
  /** At most this many deliveries per shard and run, so that a backlog is worked off over several runs. */
  maxPerShard: number;
  /** No delivery is started with less time than this left in the invocation. */
  reserveMs: number;
}

/** What one run did. */
export interface SweepSummary {
  /** Outboxes published and cleared. */
  published: number;
  /** Index entries whose outbox was gone or fresh when read (the index lags the table). */
  skipped: number;
  /** Outboxes that could not be published; the next run tries them again. */
  failed: number;
  /** Whether older outboxes were left for the next run (a limit or the time ran out). */
  more: boolean;
}

const PAGE_SIZE = 25;

/** Publishes and clears every outbox older than the grace period, within the run's limits. */
export async function sweepOutboxes(
  deps: DeliveryDeps,
  limits: SweepLimits,
  remainingMs: () => number,
): Promise<SweepSummary> {
  const cutoff = new Date(deps.now().getTime() - limits.graceMs).toISOString();
  const summary: SweepSummary = { published: 0, skipped: 0, failed: 0, more: false };
  for (const shard of outboxShards()) {
    let seen = 0;
    let startKey: Record<string, string> | undefined;
    do {
      if (remainingMs() < limits.reserveMs) return { ...summary, more: true };
      const page = await deps.store.listOutboxes(
        shard,
        cutoff,
        Math.min(PAGE_SIZE, limits.maxPerShard - seen),
        startKey,
      );
      for (const deliveryId of page.deliveryIds) {
        if (remainingMs() < limits.reserveMs) return { ...summary, more: true };
        seen++;
        await sweepOne(deps, deliveryId, cutoff, summary);
      }
      startKey = page.lastKey;
    } while (startKey !== undefined && seen < limits.maxPerShard);
    if (startKey !== undefined) summary.more = true;
  }
  return summary;
}

async function sweepOne(deps: DeliveryDeps, deliveryId: string, cutoff: string, summary: SweepSummary) {
  try {
    const record = await deps.store.get(deliveryId);
    const writtenAt = record?.pendingEvents?.[0]?.occurredAt;
    // Read again, consistently: the batch may have been cleared, or replaced by a fresh one, since
    // the index saw it; a fresh batch is its writer's to publish.
    if (record === undefined || writtenAt === undefined || writtenAt >= cutoff) {
      summary.skipped++;
      return;
    }
    await flushPending(deps, record);
    summary.published++;
    logger.warn('abandoned outbox published', {
      deliveryId,
      pendingKey: record.pendingKey,
      writtenAt,
      eventIds: record.pendingEvents?.map((event) => event.eventId),
    });
  } catch (error) {
    summary.failed++;
    logger.error('abandoned outbox not published; the next run tries again', {
      deliveryId,
      error: error as Error,
    });
  }
}
