import { outboxShards } from '../../../shared/outbox.ts';
import type { EventPublisher } from '../../../shared/publisher.ts';
import type { DroneStore } from './store.ts';
import { flushOutbox } from './telemetry.ts';

// The sweeper publishes the status changes a telemetry call stored but never got to publish (it
// crashed, timed out, or the bus failed and the drone did not report again). It reads the sparse
// `pendingOutbox` index one shard at a time, never the whole table, and only batches older than any
// call can still be working on: publishing a batch its writer is about to publish would only send
// it twice (under the same eventIds), but there is no reason to.

/**
 * A batch marked for this long was left by a call that has ended: three times the telemetry
 * function's 10 s timeout, room for clock skew between the writer's and the sweeper's execution
 * environments. The stack passes the same rule, computed from the deployed timeout.
 */
export const ABANDONED_OUTBOX_MS = 30_000;

/** The index partitions, as `outboxIndexKey` of shared/outbox.ts names them. */
export const OUTBOX_SHARD_KEYS = outboxShards();

export interface SweepDeps {
  store: DroneStore;
  publisher: EventPublisher;
  now: () => Date;
  /** Milliseconds left in this invocation. */
  remainingMs: () => number;
  /** Told of a batch that could not be published (it stays marked for the next run). */
  onFailure: (droneId: string, error: unknown) => void;
}

export interface SweepSettings {
  graceMs: number;
  /** Batches read per shard per run: a run's work is bounded whatever the backlog. */
  limitPerShard: number;
  /** No batch is started with less time than this left (one batch's calls, each bounded). */
  marginMs: number;
}

export interface SweepRun {
  /** Batches the index listed. */
  found: number;
  published: number;
  /** Listed, but published meanwhile, replaced by a newer report, or not old enough on a fresh read. */
  skipped: number;
  failed: number;
  /** The run stopped for lack of time before it had looked at everything it listed. */
  cutShort: boolean;
}

/** Publishes and clears the abandoned outbox batches of the drone table, a bounded number per run. */
export async function sweepOutboxes(deps: SweepDeps, settings: SweepSettings): Promise<SweepRun> {
  const run: SweepRun = { found: 0, published: 0, skipped: 0, failed: 0, cutShort: false };
  const cutoff = new Date(deps.now().getTime() - settings.graceMs).toISOString();
  for (const shard of OUTBOX_SHARD_KEYS) {
    if (deps.remainingMs() < settings.marginMs) {
      run.cutShort = true;
      break;
    }
    const listed = await deps.store.listPendingOutboxes(shard, cutoff, settings.limitPerShard);
    run.found += listed.length;
    for (const { droneId } of listed) {
      if (deps.remainingMs() < settings.marginMs) {
        run.cutShort = true;
        break;
      }
      // The index lags the table: read the drone itself before publishing anything.
      const drone = await deps.store.getDrone(droneId);
      if (drone?.outboxKey === undefined || drone.outboxSince === undefined || drone.outboxSince >= cutoff) {
        run.skipped++;
        continue;
      }
      try {
        await flushOutbox(deps, drone);
        run.published++;
      } catch (error) {
        run.failed++;
        deps.onFailure(droneId, error);
      }
    }
    if (run.cutShort) break;
  }
  return run;
}
