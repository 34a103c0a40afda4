import { randomUUID } from 'node:crypto';
import { documentClient } from '../../shared/clients/dynamodb.ts';
import { sqsClient } from '../../shared/clients/sqs.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { createRequestQueue } from './core/messages.ts';
import { createDownstreamSet } from './core/services.ts';
import type { CallerResilience } from './core/settings.ts';
import { createSchedulerStore } from './core/store.ts';

// The adapters the scheduler handlers build once at module load (cold start).

/** Configuration of the functions that call the internal APIs; a missing variable fails the cold start by name. */
export function loadCallerConfig() {
  return loadConfig({
    TABLE_NAME: requiredString(),
    INTERNAL_API_URL: requiredString(),
    AWS_REGION: requiredString(),
  });
}

/** Configuration of the functions that also use the `delivery-requests` queue (ingest and workflow). */
export function loadSchedulerConfig() {
  return { ...loadCallerConfig(), ...loadConfig({ REQUESTS_QUEUE_URL: requiredString() }) };
}

/** Store and downstream clients (with their breakers) over the shared AWS clients. */
export function callerAdapters(config: ReturnType<typeof loadCallerConfig>, resilience: CallerResilience) {
  return {
    store: createSchedulerStore(documentClient, config.TABLE_NAME),
    downstreams: createDownstreamSet({
      baseUrl: config.INTERNAL_API_URL,
      region: config.AWS_REGION,
      resilience,
      // Looked up per call so instrumentation (and tests) that replace the global fetch are honoured.
      fetch: (input, init) => globalThis.fetch(input, init),
    }),
    now: () => new Date(),
  };
}

/** The caller adapters plus the queue and an id source. */
export function schedulerAdapters(
  config: ReturnType<typeof loadSchedulerConfig>,
  resilience: CallerResilience,
) {
  return {
    ...callerAdapters(config, resilience),
    queue: createRequestQueue(sqsClient, config.REQUESTS_QUEUE_URL),
    newId: () => randomUUID(),
  };
}
