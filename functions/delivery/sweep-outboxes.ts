import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { loadConfig } from '../../shared/config.ts';
import { invocationHandler } from '../../shared/middleware/stacks.ts';
import { logger } from '../../shared/observability.ts';
import { type SweepSummary, sweepOutboxes } from './core/sweeper.ts';
import { transitionDeps } from './deps.ts';

// Schedule (every minute): publishes the outboxes that crashed calls left on delivery items.

const config = loadConfig({
  /** Set by the stack above every Delivery writer's timeout. */
  OUTBOX_GRACE_SECONDS: z.coerce.number().int().positive(),
});
const deps = transitionDeps();

// Room for the delivery in progress (a read, a PutEvents, a clear) before the timeout.
const RESERVE_MS = 5_000;
// Four shards of 100: far above what a minute's crashes leave; a larger backlog takes a few runs.
const MAX_PER_SHARD = 100;

/** Some outboxes could not be published: the run fails (it shows in the function's errors) and the next one retries them. */
export class OutboxSweepError extends Error {
  override readonly name = 'OutboxSweepError';
}

/** One run of the sweeper. */
export async function core(_event: unknown, context: Context): Promise<SweepSummary> {
  const summary = await sweepOutboxes(
    deps,
    { graceMs: config.OUTBOX_GRACE_SECONDS * 1000, maxPerShard: MAX_PER_SHARD, reserveMs: RESERVE_MS },
    () => context.getRemainingTimeInMillis(),
  );
  logger.info('outbox sweep finished', { ...summary });
  if (summary.failed > 0) {
    throw new OutboxSweepError(`${summary.failed} abandoned outbox(es) could not be published`);
  }
  return summary;
}

export const handler = invocationHandler(
  (_event: unknown, context: Context) => `outbox-sweep-${context.awsRequestId}`,
  core,
);
