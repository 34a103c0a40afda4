import {
  createDownstreamSet,
  createSchedulerServices,
  type DownstreamSet,
} from '../adapters/internal-api.ts';
import type { RequestMessage } from '../core/messages.ts';
import { type CallerResilience, SCHEDULER_RESILIENCE } from '../core/settings.ts';
import type { RequestRecord } from '../core/store.ts';
import { firstSweepAt } from '../core/sweeper.ts';
import type { WorkflowDeps } from '../core/workflow-run.ts';
import type { ScheduleDeliveryRequest } from '../schemas.ts';
import { FakeDownstreams } from './fake-downstreams.ts';
import { MemoryStore } from './memory-store.ts';
import { WaitQueueModel } from './wait-queue.ts';

// Wiring for core-logic tests: the real service clients, breakers and retries over fake services.

export const ACCOUNT = 'acct-1';
export const NOW = new Date('2026-11-30T12:00:00.000Z');

/** A valid schedule request (docs/architecture.md §3's example), after validation. */
export function scheduleRequest(overrides: Partial<ScheduleDeliveryRequest> = {}): ScheduleDeliveryRequest {
  return {
    pickup: { latitude: 47.6, longitude: -122.3, altitude: 0 },
    dropoff: { latitude: 47.7, longitude: -122.2, altitude: 0 },
    pickupTime: '2026-12-01T10:00:00Z',
    deadline: '2026-12-01T12:00:00Z',
    expedited: false,
    confirmationRequired: 'None',
    package: { size: 'Small', weightKg: 1.2, tag: 'books' },
    ...overrides,
  };
}

/** Retries without waiting, so tests of failure paths stay fast. */
export const FAST_RESILIENCE: CallerResilience = {
  ...SCHEDULER_RESILIENCE.workflow,
  retry: { ...SCHEDULER_RESILIENCE.workflow.retry, sleep: async () => undefined },
};

export interface Harness {
  fake: FakeDownstreams;
  store: MemoryStore;
  downstreams: DownstreamSet;
  /** Where a schedule waiting for a drone goes. */
  waits: WaitQueueModel;
  deps: WorkflowDeps;
  /** Stores a schedule request as the ingest would (unstarted); returns its message. */
  ingest(deliveryId: string, request?: ScheduleDeliveryRequest): Promise<RequestMessage>;
}

/** Fake services, an in-memory store, and workflow dependencies over them. */
export function harness(
  options: {
    fake?: FakeDownstreams;
    resilience?: CallerResilience;
    remainingTimeMs?: () => number;
    now?: () => Date;
    random?: () => number;
  } = {},
): Harness {
  const fake = options.fake ?? FakeDownstreams.standard(ACCOUNT);
  const store = new MemoryStore();
  const downstreams = createDownstreamSet({
    baseUrl: 'https://internal.example.com',
    region: 'us-east-1',
    resilience: options.resilience ?? FAST_RESILIENCE,
    credentials: async () => ({ accessKeyId: 'test', secretAccessKey: 'test' }),
    fetch: fake.fetch,
  });
  const services = createSchedulerServices(downstreams, options.remainingTimeMs ?? (() => 60_000));
  const waits = new WaitQueueModel();
  return {
    fake,
    store,
    downstreams,
    waits,
    deps: {
      store,
      services,
      now: options.now ?? (() => NOW),
      waits,
      ...(options.random ? { random: options.random } : {}),
    },
    async ingest(deliveryId, request = scheduleRequest()) {
      const record: RequestRecord = {
        deliveryId,
        accountId: ACCOUNT,
        requestId: `req-${deliveryId}`,
        request,
        createdAt: NOW.toISOString(),
        updatedAt: NOW.toISOString(),
        correlationId: `corr-${deliveryId}`,
        sweepAt: firstSweepAt(NOW),
      };
      await store.putRequest(record);
      return {
        deliveryId,
        operation: 'schedule',
        requestId: record.requestId,
        accountId: ACCOUNT,
        correlationId: `corr-${deliveryId}`,
      };
    },
  };
}
