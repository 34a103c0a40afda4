import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withCorrelationId } from '../../../shared/correlation.ts';
import {
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
  UnprocessableError,
} from '../../../shared/errors.ts';
import { createEventPublisher } from '../../../shared/publisher.ts';
import { createTestTable } from '../../../test/support/dynamodb.ts';
import { fakeEventBridge, newDelivery, steppingClock } from '../test-support/fakes.ts';
import {
  cancelDelivery,
  failDelivery,
  putDelivery,
  rescheduleDelivery,
  scheduleDelivery,
} from './lifecycle.ts';
import { createDeliveryStore, type DeliveryStore } from './store.ts';
import type { DeliveryDeps } from './transitions.ts';

let table: Awaited<ReturnType<typeof createTestTable>>;
let store: DeliveryStore;
let bus: ReturnType<typeof fakeEventBridge>;
let deps: DeliveryDeps;
let sequence = 0;

const assignment = {
  droneId: 'drone-001',
  pickupEta: '2026-05-04T16:04:00Z',
  deliveryEta: '2026-05-04T16:15:00Z',
};

beforeAll(async () => {
  table = await createTestTable('delivery-lifecycle');
  store = createDeliveryStore(table.documentClient, table.tableName);
});
afterAll(async () => {
  await table.drop();
});
beforeEach(() => {
  bus = fakeEventBridge();
  deps = { store, publisher: createEventPublisher(bus.client, 'test-bus'), now: steppingClock() };
});

async function created(
  stage:
    | 'Requested'
    | 'Scheduled'
    | 'Rescheduled'
    | 'InTransit'
    | 'Completed'
    | 'Cancelled'
    | 'Failed' = 'Requested',
) {
  const deliveryId = `d-${++sequence}`;
  await putDelivery(deps, deliveryId, newDelivery());
  if (stage === 'Scheduled') await scheduleDelivery(deps, deliveryId, assignment);
  if (stage === 'Rescheduled') {
    await scheduleDelivery(deps, deliveryId, assignment);
    await rescheduleDelivery(deps, deliveryId, { deadline: '2026-05-04T19:00:00Z' });
  }
  if (stage === 'Cancelled') await cancelDelivery(deps, deliveryId, 'test');
  if (stage === 'Failed') await failDelivery(deps, deliveryId, { reason: 'NoDroneAvailable' });
  if (stage === 'InTransit' || stage === 'Completed') {
    await scheduleDelivery(deps, deliveryId, assignment);
    const record = await store.get(deliveryId);
    await store.update(deliveryId, record?.version ?? 0, { stage }, []);
  }
  bus.published.length = 0;
  return deliveryId;
}

describe('putDelivery', () => {
  it('creates the delivery as Requested', async () => {
    const record = await putDelivery(deps, 'd-put-1', newDelivery());

    expect(record).toMatchObject({
      deliveryId: 'd-put-1',
      accountId: 'acct-demo',
      stage: 'Requested',
      version: 1,
    });
    expect((await store.get('d-put-1'))?.stage).toBe('Requested');
  });

  it('returns the existing delivery unchanged when put again', async () => {
    const first = await putDelivery(deps, 'd-put-2', newDelivery());

    const second = await putDelivery(deps, 'd-put-2', newDelivery('acct-demo', { expedited: true }));

    expect(second).toEqual(first);
  });
});

describe('scheduleDelivery', () => {
  it('marks a Requested delivery Scheduled and emits one DeliveryCreated', async () => {
    const deliveryId = await created();

    const { record } = await withCorrelationId('corr-1', () =>
      scheduleDelivery(deps, deliveryId, assignment),
    );

    expect(record).toMatchObject({
      stage: 'Scheduled',
      droneId: 'drone-001',
      pickupEta: '2026-05-04T16:04:00.000Z',
    });
    expect(record.pendingEvents).toBeUndefined();
    expect(bus.published.map((event) => event.detailType)).toEqual(['DeliveryCreated']);
    expect(bus.published[0]?.detail).toMatchObject({
      deliveryId,
      accountId: 'acct-demo',
      droneId: 'drone-001',
      metadata: { correlationId: 'corr-1', schemaVersion: '1' },
    });
  });

  it('emits nothing when the same assignment is scheduled again', async () => {
    const deliveryId = await created('Scheduled');

    const result = await scheduleDelivery(deps, deliveryId, assignment);

    expect(result.changed).toBe(false);
    expect(bus.published).toEqual([]);
  });

  it('updates the ETAs silently when an already Scheduled delivery gets a refreshed assignment', async () => {
    const deliveryId = await created('Scheduled');

    const { record } = await scheduleDelivery(deps, deliveryId, {
      ...assignment,
      deliveryEta: '2026-05-04T16:20:00Z',
    });

    expect(record.deliveryEta).toBe('2026-05-04T16:20:00.000Z');
    expect(bus.published).toEqual([]);
  });

  it('emits DeliveryRescheduled when a Rescheduled delivery is scheduled again', async () => {
    const deliveryId = await created('Rescheduled');

    const { record } = await scheduleDelivery(deps, deliveryId, assignment);

    expect(record.stage).toBe('Scheduled');
    expect(bus.published.map((event) => event.detailType)).toEqual(['DeliveryRescheduled']);
    expect(bus.published[0]?.detail).toMatchObject({
      deadline: '2026-05-04T19:00:00.000Z',
      droneId: 'drone-001',
    });
  });

  it('emits DeliveryCreated when a delivery rescheduled before its first assignment is scheduled', async () => {
    const deliveryId = await created();
    await rescheduleDelivery(deps, deliveryId, { deadline: '2026-05-04T19:00:00Z' });

    await scheduleDelivery(deps, deliveryId, assignment);

    expect(bus.published.map((event) => event.detailType)).toEqual(['DeliveryCreated']);
  });

  it.each(['Cancelled', 'Failed', 'InTransit', 'Completed'] as const)(
    'refuses a %s delivery with 409',
    async (stage) => {
      const deliveryId = await created(stage);

      await expect(scheduleDelivery(deps, deliveryId, assignment)).rejects.toBeInstanceOf(ConflictError);
      expect(bus.published).toEqual([]);
    },
  );

  it('answers 404 for an unknown delivery', async () => {
    await expect(scheduleDelivery(deps, 'd-unknown', assignment)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('rescheduleDelivery', () => {
  it('takes new times and drop-off and marks the delivery Rescheduled without an event', async () => {
    const deliveryId = await created('Scheduled');
    const dropoff = { latitude: 47.61, longitude: -122.3, altitude: 0 };

    const { record } = await rescheduleDelivery(deps, deliveryId, {
      pickupTime: '2026-05-04T17:00:00Z',
      dropoff,
    });

    expect(record).toMatchObject({ stage: 'Rescheduled', pickupTime: '2026-05-04T17:00:00.000Z', dropoff });
    expect(bus.published).toEqual([]);
  });

  it('changes nothing when the request repeats the current values', async () => {
    const deliveryId = await created('Scheduled');

    const result = await rescheduleDelivery(deps, deliveryId, { deadline: '2026-05-04T18:00:00Z' });

    expect(result).toMatchObject({ changed: false, record: { stage: 'Scheduled' } });
  });

  it('refuses a deadline that is not after the pickup time with 422', async () => {
    const deliveryId = await created('Scheduled');

    await expect(
      rescheduleDelivery(deps, deliveryId, { deadline: '2026-05-04T15:00:00Z' }),
    ).rejects.toBeInstanceOf(UnprocessableError);
  });

  it.each(['InTransit', 'Completed', 'Cancelled', 'Failed'] as const)(
    'refuses a %s delivery with 409',
    async (stage) => {
      const deliveryId = await created(stage);

      await expect(
        rescheduleDelivery(deps, deliveryId, { deadline: '2026-05-04T19:00:00Z' }),
      ).rejects.toBeInstanceOf(ConflictError);
    },
  );
});

describe('cancelDelivery', () => {
  it('cancels and emits one DeliveryCancelled with the reason', async () => {
    const deliveryId = await created('Scheduled');

    const { record } = await cancelDelivery(deps, deliveryId, 'customer');

    expect(record.stage).toBe('Cancelled');
    expect(bus.published.map((event) => event.detail)).toMatchObject([{ deliveryId, reason: 'customer' }]);
  });

  it('answers an already Cancelled delivery without a second event', async () => {
    const deliveryId = await created('Scheduled');
    await cancelDelivery(deps, deliveryId, 'customer');

    const again = await cancelDelivery(deps, deliveryId, 'customer');

    expect(again).toMatchObject({ changed: false, record: { stage: 'Cancelled' } });
    expect(bus.published).toHaveLength(1);
  });

  it.each(['InTransit', 'Completed', 'Failed'] as const)('refuses a %s delivery with 409', async (stage) => {
    const deliveryId = await created(stage);

    await expect(cancelDelivery(deps, deliveryId, undefined)).rejects.toBeInstanceOf(ConflictError);
    expect(bus.published).toEqual([]);
  });
});

describe('failDelivery', () => {
  it('marks the delivery Failed with its reason and emits one DeliveryFailed', async () => {
    const deliveryId = await created();

    const { record } = await failDelivery(deps, deliveryId, {
      reason: 'PackageRejected',
      detail: 'too heavy',
    });

    expect(record).toMatchObject({ stage: 'Failed', failureReason: 'PackageRejected' });
    expect(bus.published.map((event) => event.detail)).toMatchObject([
      { deliveryId, reason: 'PackageRejected', detail: 'too heavy' },
    ]);
  });

  it('emits nothing when a Failed delivery is failed again', async () => {
    const deliveryId = await created('Failed');

    const again = await failDelivery(deps, deliveryId, { reason: 'PackageRejected' });

    expect(again.changed).toBe(false);
    expect(bus.published).toEqual([]);
  });

  it('refuses a Completed delivery with 409', async () => {
    const deliveryId = await created('Completed');

    await expect(failDelivery(deps, deliveryId, { reason: 'RetriesExhausted' })).rejects.toBeInstanceOf(
      ConflictError,
    );
  });
});

describe('publishing after the write', () => {
  it('fails the call as transient when the event cannot be published, keeping it pending', async () => {
    const deliveryId = await created();
    bus.failNext();

    await expect(scheduleDelivery(deps, deliveryId, assignment)).rejects.toBeInstanceOf(
      ServiceUnavailableError,
    );

    const stored = await store.get(deliveryId);
    expect(stored?.stage).toBe('Scheduled');
    expect(stored?.pendingEvents?.map((event) => event.detailType)).toEqual(['DeliveryCreated']);
  });

  it('publishes the pending event when the same call is retried, then never again', async () => {
    const deliveryId = await created();
    bus.failNext();
    await withCorrelationId('corr-first', () => scheduleDelivery(deps, deliveryId, assignment)).catch(
      () => undefined,
    );

    await withCorrelationId('corr-retry', () => scheduleDelivery(deps, deliveryId, assignment));
    await scheduleDelivery(deps, deliveryId, assignment);

    expect(bus.published.map((event) => event.detailType)).toEqual(['DeliveryCreated']);
    expect(bus.published[0]?.detail.metadata.correlationId).toBe('corr-first');
    expect((await store.get(deliveryId))?.pendingEvents).toBeUndefined();
  });

  it('publishes a pending event before the next transition, in order', async () => {
    const deliveryId = await created();
    bus.failNext();
    await scheduleDelivery(deps, deliveryId, assignment).catch(() => undefined);

    await cancelDelivery(deps, deliveryId, 'customer');

    expect(bus.published.map((event) => event.detailType)).toEqual(['DeliveryCreated', 'DeliveryCancelled']);
  });
});
