import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { documentClient } from '../../shared/clients/dynamodb.ts';
import { eventBridgeClient } from '../../shared/clients/eventbridge.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { invocationHandler } from '../../shared/middleware/stacks.ts';
import { logger } from '../../shared/observability.ts';
import { createEventPublisher } from '../../shared/publisher.ts';
import { createDroneStore } from './adapters/dynamodb-store.ts';
import { ABANDONED_OUTBOX_MS, type SweepRun, sweepOutboxes } from './core/outbox-sweeper.ts';

const config = loadConfig({
  TABLE_NAME: requiredString(),
  EVENT_BUS_NAME: requiredString(),
  // The stack derives it from the telemetry function's timeout (infra/services/drone.ts).
  OUTBOX_GRACE_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(ABANDONED_OUTBOX_MS / 1000),
});
const store = createDroneStore(documentClient, config.TABLE_NAME);
const publisher = createEventPublisher(eventBridgeClient, config.EVENT_BUS_NAME);

/** Batches read per shard per run: four shards, so at most 400 drones a minute, far above a fleet's status changes. */
const LIMIT_PER_SHARD = 100;
/** One batch is three SDK calls (read, publish, clear), each bounded at about 7.7 s (shared/clients/http.ts). */
const MARGIN_MS = 25_000;

/** The scheduled run: publishes the drone events a crashed or failed telemetry call left in the table. */
export async function core(_event: unknown, context: Context): Promise<SweepRun> {
  const run = await sweepOutboxes(
    {
      store,
      publisher,
      now: () => new Date(),
      remainingMs: () => context.getRemainingTimeInMillis(),
      onFailure: (droneId, error) =>
        logger.warn('drone outbox not published; the next run retries', { droneId, error: error as Error }),
    },
    { graceMs: config.OUTBOX_GRACE_SECONDS * 1000, limitPerShard: LIMIT_PER_SHARD, marginMs: MARGIN_MS },
  );
  logger.info('drone outbox sweep finished', { ...run });
  // A failed run shows on the function's error alarm: events are stuck until the bus takes them.
  if (run.failed > 0) throw new Error(`${run.failed} drone outbox batches could not be published`);
  return run;
}

export const handler = invocationHandler(
  (_event: unknown, context: Context) => `drone-outbox-sweep-${context.awsRequestId}`,
  core,
);
