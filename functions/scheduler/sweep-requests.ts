import type { Context } from 'aws-lambda';
import { currentCorrelationId } from '../../shared/correlation.ts';
import { invocationHandler } from '../../shared/middleware/stacks.ts';
import { type SweepReport, sweepUnstarted } from './core/sweeper.ts';
import { ingestAdapters, loadIngestConfig } from './deps.ts';

// Scheduled every minute: sends again the messages of requests and reschedules that were stored
// but not started by the workflow in time (core/sweeper.ts says why and why it is safe).

const adapters = ingestAdapters(loadIngestConfig());

export async function core(_event: unknown, context: Context): Promise<SweepReport> {
  return sweepUnstarted({
    store: adapters.store,
    queue: adapters.queue,
    now: adapters.now,
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
    correlationId: currentCorrelationId(),
  });
}

export const handler = invocationHandler(
  (_event: unknown, context: Context) => `sweep-${context.awsRequestId}`,
  core,
);
