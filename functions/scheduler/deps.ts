import { randomUUID } from 'node:crypto';
import { documentClient } from '../../shared/clients/dynamodb.ts';
import { sqsClient } from '../../shared/clients/sqs.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { createSchedulerStore } from './adapters/dynamodb-store.ts';
import { createDownstreamSet } from './adapters/internal-api.ts';
import { createRequestQueue, createWaitQueue } from './adapters/sqs-queues.ts';
import type { CallerResilience } from './core/settings.ts';

// The adapters the scheduler handlers build once at module load (cold start).

/** Configuration of the functions that only use the scheduler's table; a missing variable fails the cold start by name. */
export function loadTableConfig() {
  return loadConfig({ TABLE_NAME: requiredString() });
}

/**
 * Configuration of the ingest handlers and the sweeper: their table and the `delivery-requests`
 * queue, and nothing else (they call no other service, so they have no internal API URL).
 */
export function loadIngestConfig() {
  return { ...loadTableConfig(), ...loadConfig({ REQUESTS_QUEUE_URL: requiredString() }) };
}

/** Configuration of the functions that call the internal APIs. */
export function loadCallerConfig() {
  return loadConfig({
    TABLE_NAME: requiredString(),
    INTERNAL_API_URL: requiredString(),
    AWS_REGION: requiredString(),
  });
}

/**
 * Configuration of the workflow: it calls the internal APIs, delays its own queue's redeliveries
 * and puts schedules waiting for a drone on the `delivery-waits` queue.
 */
export function loadSchedulerConfig() {
  return {
    ...loadCallerConfig(),
    ...loadConfig({ REQUESTS_QUEUE_URL: requiredString(), WAITS_QUEUE_URL: requiredString() }),
  };
}

/** Configuration of the waits forwarder: the two queues, and nothing else. */
export function loadForwarderConfig() {
  return loadConfig({ REQUESTS_QUEUE_URL: requiredString(), WAITS_QUEUE_URL: requiredString() });
}

/** Both queues and a clock: everything the waits forwarder uses. */
export function forwarderAdapters(config: ReturnType<typeof loadForwarderConfig>) {
  return {
    requests: createRequestQueue(sqsClient, config.REQUESTS_QUEUE_URL),
    waits: createWaitQueue(sqsClient, config.WAITS_QUEUE_URL),
    now: () => new Date(),
  };
}

/** Store, queue, clock and id source: everything the ingest may use. */
export function ingestAdapters(config: ReturnType<typeof loadIngestConfig>) {
  return {
    store: createSchedulerStore(documentClient, config.TABLE_NAME),
    queue: createRequestQueue(sqsClient, config.REQUESTS_QUEUE_URL),
    now: () => new Date(),
    newId: () => randomUUID(),
  };
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

/** The caller adapters plus the requests queue and the waits queue. */
export function schedulerAdapters(
  config: ReturnType<typeof loadSchedulerConfig>,
  resilience: CallerResilience,
) {
  return {
    ...callerAdapters(config, resilience),
    queue: createRequestQueue(sqsClient, config.REQUESTS_QUEUE_URL),
    waits: createWaitQueue(sqsClient, config.WAITS_QUEUE_URL),
  };
}
