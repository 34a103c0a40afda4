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
import {
  cancelDelivery,
  failDelivery,
  putDelivery,
  type ReschedulePlan,
  rejectReschedule,
  rescheduleDelivery,
  scheduleDelivery,
} from '../core/lifecycle.ts';
import { toStatusBody } from '../core/model.ts';
import type { DeliveryStore } from '../core/store.ts';
import type { DeliveryDeps } from '../core/transitions.ts';
import { fakeEventBridge, newDelivery, steppingClock } from '../test-support/fakes.ts';
import { createDeliveryStore } from './dynamodb-store.ts';

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

const NEW_DROPOFF = { latitude: 47.61, longitude: -122.3, altitude: 0 };

/** A whole new plan with its drone booking, as the scheduler sends it once the drone is re-booked. */
function plan(requestId: string, overrides: Partial<ReschedulePlan> = {}): ReschedulePlan {
  return {
    requestId,
    pickupTime: '2026-05-04T17:00:00Z',
    deadline: '2026-05-04T19:00:00Z',
    dropoff: NEW_DROPOFF,
    droneId: 'drone-007',
    pickupEta: '2026-05-04T17:04:00Z',
    deliveryEta: '2026-05-04T17:15:00Z',
    ...overrides,
  };
}

const refusal = (requestId: string) => ({
  requestId,
  reason: 'NoDroneAvailable' as const,
  detail: 'no drone reaches the new drop-off in time',
  change: {
    dropoff: { latitude: 47.9, longitude: -122.9, altitude: 0 },
    deadline: '2026-05-04T20:00:00+01:00',
  },
});

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
    await rescheduleDelivery(deps, deliveryId, plan(`req-setup-${deliveryId}`));
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

  it("keeps a Rescheduled delivery's newer plan when a late schedule arrives", async () => {
    const deliveryId = await created('Rescheduled');

    const result = await scheduleDelivery(deps, deliveryId, assignment);

    expect(result.changed).toBe(false);
    expect(result.record).toMatchObject({ stage: 'Rescheduled', droneId: 'drone-007' });
    expect(bus.published).toEqual([]);
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
  it('applies the new plan and drone at once and emits one DeliveryRescheduled', async () => {
    const deliveryId = await created('Scheduled');

    const { record } = await withCorrelationId('corr-patch', () =>
      rescheduleDelivery(deps, deliveryId, plan('req-1')),
    );

    expect(record).toMatchObject({
      stage: 'Rescheduled',
      pickupTime: '2026-05-04T17:00:00.000Z',
      deadline: '2026-05-04T19:00:00.000Z',
      dropoff: NEW_DROPOFF,
      droneId: 'drone-007',
      pickupEta: '2026-05-04T17:04:00.000Z',
      deliveryEta: '2026-05-04T17:15:00.000Z',
      handledRequests: ['req-1'],
    });
    expect(bus.published.map((event) => event.detailType)).toEqual(['DeliveryRescheduled']);
    expect(bus.published[0]?.detail).toMatchObject({
      deliveryId,
      accountId: 'acct-demo',
      droneId: 'drone-007',
      pickupTime: '2026-05-04T17:00:00.000Z',
      deadline: '2026-05-04T19:00:00.000Z',
      dropoff: NEW_DROPOFF,
      pickupEta: '2026-05-04T17:04:00.000Z',
      deliveryEta: '2026-05-04T17:15:00.000Z',
      requestId: 'req-1',
      metadata: { correlationId: 'corr-patch' },
    });
  });

  it('changes nothing and tells nothing when the same request is repeated', async () => {
    const deliveryId = await created('Scheduled');
    const first = await rescheduleDelivery(deps, deliveryId, plan('req-1'));

    const again = await rescheduleDelivery(deps, deliveryId, plan('req-1', { droneId: 'drone-009' }));

    expect(again).toMatchObject({ changed: false, record: { droneId: 'drone-007' } });
    expect(again.record.version).toBe(first.record.version);
    expect(bus.published).toHaveLength(1);
  });

  it('emits one DeliveryRescheduled for 20 concurrent copies of one request', async () => {
    const deliveryId = await created('Scheduled');
    const before = await store.get(deliveryId);

    const results = await Promise.all(
      Array.from({ length: 20 }, () => rescheduleDelivery(deps, deliveryId, plan('req-concurrent'))),
    );

    expect(results.filter((result) => result.changed)).toHaveLength(1);
    expect(bus.published.every((event) => event.detailType === 'DeliveryRescheduled')).toBe(true);
    expect(new Set(bus.published.map((event) => event.detail.metadata.eventId)).size).toBe(1);
    const stored = await store.get(deliveryId);
    expect(stored).toMatchObject({ stage: 'Rescheduled', handledRequests: ['req-concurrent'] });
    expect(stored?.version).toBe((before?.version ?? 0) + 1);
    expect(stored?.pendingEvents).toBeUndefined();
  });

  it('reschedules a Rescheduled delivery again under a new request', async () => {
    const deliveryId = await created('Rescheduled');

    const { record } = await rescheduleDelivery(
      deps,
      deliveryId,
      plan('req-2', { deadline: '2026-05-04T21:00:00Z', droneId: 'drone-002' }),
    );

    expect(record).toMatchObject({
      stage: 'Rescheduled',
      deadline: '2026-05-04T21:00:00.000Z',
      droneId: 'drone-002',
    });
    expect(record.handledRequests).toEqual([`req-setup-${deliveryId}`, 'req-2']);
    expect(bus.published.map((event) => event.detail)).toMatchObject([
      { requestId: 'req-2', droneId: 'drone-002' },
    ]);
  });

  it('takes the plan of a delivery never scheduled as its first: Scheduled, told by DeliveryCreated', async () => {
    const deliveryId = await created();

    const { record } = await rescheduleDelivery(deps, deliveryId, plan('req-1'));

    expect(record).toMatchObject({ stage: 'Scheduled', dropoff: NEW_DROPOFF, droneId: 'drone-007' });
    expect(bus.published.map((event) => event.detailType)).toEqual(['DeliveryCreated']);
    expect(bus.published[0]?.detail).toMatchObject({ dropoff: NEW_DROPOFF, droneId: 'drone-007' });
  });

  it('refuses a deadline that is not after the pickup time with 422 and writes nothing', async () => {
    const deliveryId = await created('Scheduled');
    const before = await store.get(deliveryId);

    await expect(
      rescheduleDelivery(deps, deliveryId, plan('req-1', { deadline: '2026-05-04T16:00:00Z' })),
    ).rejects.toBeInstanceOf(UnprocessableError);
    expect(await store.get(deliveryId)).toEqual(before);
  });

  it.each(['InTransit', 'Completed', 'Cancelled', 'Failed'] as const)(
    'refuses a %s delivery with 409 delivery-stage-conflict',
    async (stage) => {
      const deliveryId = await created(stage);

      await expect(rescheduleDelivery(deps, deliveryId, plan('req-1'))).rejects.toMatchObject({
        statusCode: 409,
        type: expect.stringMatching(/delivery-stage-conflict$/),
      });
      expect(bus.published).toEqual([]);
    },
  );

  it('answers a repeat with the current status once the delivery is in flight', async () => {
    const deliveryId = await created('Scheduled');
    await rescheduleDelivery(deps, deliveryId, plan('req-1'));
    const current = await store.get(deliveryId);
    await store.update(deliveryId, current?.version ?? 0, { stage: 'InTransit' }, []);

    const again = await rescheduleDelivery(deps, deliveryId, plan('req-1'));

    expect(again).toMatchObject({ changed: false, record: { stage: 'InTransit' } });
    expect(bus.published).toHaveLength(1);
  });

  it('answers 404 for an unknown delivery', async () => {
    await expect(rescheduleDelivery(deps, 'd-unknown', plan('req-1'))).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('rejectReschedule', () => {
  it('leaves the delivery exactly as it was and emits one DeliveryRescheduleRejected', async () => {
    const deliveryId = await created('Scheduled');
    const before = await store.get(deliveryId);
    if (!before) throw new Error('no delivery');

    const { record } = await withCorrelationId('corr-patch', () =>
      rejectReschedule(deps, deliveryId, refusal('req-1')),
    );

    expect(toStatusBody(record)).toEqual(toStatusBody(before));
    expect(toStatusBody((await store.get(deliveryId)) ?? record)).toEqual(toStatusBody(before));
    expect(bus.published.map((event) => event.detailType)).toEqual(['DeliveryRescheduleRejected']);
    expect(bus.published[0]?.detail).toEqual({
      deliveryId,
      accountId: 'acct-demo',
      reason: 'NoDroneAvailable',
      detail: 'no drone reaches the new drop-off in time',
      change: {
        dropoff: { latitude: 47.9, longitude: -122.9, altitude: 0 },
        deadline: '2026-05-04T19:00:00.000Z',
      },
      requestId: 'req-1',
      metadata: expect.objectContaining({ correlationId: 'corr-patch', schemaVersion: '1' }),
    });
  });

  it('keeps the plan and drone of a rescheduled delivery', async () => {
    const deliveryId = await created('Rescheduled');
    const before = await store.get(deliveryId);

    await rejectReschedule(deps, deliveryId, { ...refusal('req-2'), reason: 'PackageRejected' });

    const after = await store.get(deliveryId);
    expect(after && toStatusBody(after)).toEqual(before && toStatusBody(before));
    expect(after).toMatchObject({ stage: 'Rescheduled', droneId: 'drone-007' });
  });

  it('emits one DeliveryRescheduleRejected for 20 concurrent copies of one refusal', async () => {
    const deliveryId = await created('Scheduled');
    const before = await store.get(deliveryId);

    const results = await Promise.all(
      Array.from({ length: 20 }, () => rejectReschedule(deps, deliveryId, refusal('req-concurrent'))),
    );

    expect(results.filter((result) => result.changed)).toHaveLength(1);
    expect(bus.published.every((event) => event.detailType === 'DeliveryRescheduleRejected')).toBe(true);
    expect(new Set(bus.published.map((event) => event.detail.metadata.eventId)).size).toBe(1);
    const after = await store.get(deliveryId);
    expect(after && toStatusBody(after)).toEqual(before && toStatusBody(before));
    expect(after?.handledRequests).toEqual(['req-concurrent']);
  });

  it('tells nothing again when the same refusal is repeated', async () => {
    const deliveryId = await created('Scheduled');
    await rejectReschedule(deps, deliveryId, refusal('req-1'));

    const again = await rejectReschedule(deps, deliveryId, refusal('req-1'));

    expect(again.changed).toBe(false);
    expect(bus.published).toHaveLength(1);
  });

  it('decides each request once: a request already served is not refused afterwards', async () => {
    const deliveryId = await created('Scheduled');
    await rescheduleDelivery(deps, deliveryId, plan('req-1'));

    const refused = await rejectReschedule(deps, deliveryId, refusal('req-1'));

    expect(refused).toMatchObject({ changed: false, record: { stage: 'Rescheduled' } });
    expect(bus.published.map((event) => event.detailType)).toEqual(['DeliveryRescheduled']);
  });

  it('tells the refusal of a delivery that went in flight meanwhile, leaving it in flight', async () => {
    const deliveryId = await created('InTransit');

    const { record } = await rejectReschedule(deps, deliveryId, refusal('req-1'));

    expect(record.stage).toBe('InTransit');
    expect(bus.published.map((event) => event.detailType)).toEqual(['DeliveryRescheduleRejected']);
  });

  it('answers 404 for an unknown delivery', async () => {
    await expect(rejectReschedule(deps, 'd-unknown', refusal('req-1'))).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('cancelDelivery', () => {
  it('cancels and emits one DeliveryCancelled with the reason', async () => {
    const deliveryId = await created('Scheduled');

    const { record } = await cancelDelivery(deps, deliveryId, 'customer');

    expect(record.stage).toBe('Cancelled');
    expect(bus.published.map((event) => event.detail)).toMatchObject([{ deliveryId, reason: 'customer' }]);
  });

  it('cancels a rescheduled delivery like a scheduled one', async () => {
    const deliveryId = await created('Rescheduled');

    const { record } = await cancelDelivery(deps, deliveryId, 'customer');

    expect(record.stage).toBe('Cancelled');
    expect(bus.published.map((event) => event.detailType)).toEqual(['DeliveryCancelled']);
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
