import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
  ValidationError,
} from '../../../shared/errors.ts';
import { ACCOUNT, harness, NOW, scheduleRequest } from '../test-support/harness.ts';
import { cancelDelivery, type IngestDeps, rescheduleDelivery, scheduleDelivery } from './ingest.ts';
import type { RequestMessage, RequestQueue } from './messages.ts';

const caller = { userId: 'user-1', accountId: ACCOUNT };

function setup() {
  const h = harness();
  const sent: RequestMessage[] = [];
  let queueDown = false;
  const queue: RequestQueue = {
    async send(message) {
      if (queueDown) throw new Error('SQS unavailable');
      sent.push(message);
    },
    async delayRedelivery() {},
  };
  let ids = 0;
  const deps: IngestDeps = {
    store: h.store,
    queue,
    services: h.deps.services,
    now: () => NOW,
    newId: () => `id-${++ids}`,
  };
  return {
    h,
    sent,
    deps,
    setQueueDown(down: boolean) {
      queueDown = down;
    },
  };
}

const schedule = (deps: IngestDeps, idempotencyKey?: string, request = scheduleRequest()) =>
  scheduleDelivery(deps, { caller, request, idempotencyKey, correlationId: 'corr-1' });

describe('schedule ingest', () => {
  it('stores the request, creates the delivery as Requested and enqueues the schedule operation', async () => {
    const { h, sent, deps } = setup();

    const accepted = await schedule(deps);

    expect(accepted).toEqual({ deliveryId: 'id-1', stage: 'Requested' });
    expect(h.store.requests.get('id-1')).toMatchObject({ accountId: ACCOUNT, requestId: 'id-2' });
    expect(h.fake.deliveries.get('id-1')).toMatchObject({ stage: 'Requested', accountId: ACCOUNT });
    expect(sent).toEqual([
      {
        deliveryId: 'id-1',
        operation: 'schedule',
        requestId: 'id-2',
        accountId: ACCOUNT,
        correlationId: 'corr-1',
      },
    ]);
  });

  it('returns the same delivery for the same Idempotency-Key and body', async () => {
    const { sent, deps } = setup();
    const first = await schedule(deps, 'key-1');

    const second = await schedule(deps, 'key-1');

    expect(second).toEqual(first);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual(sent[0]);
  });

  it('refuses the same Idempotency-Key with another body with 409, writing nothing more', async () => {
    const { h, sent, deps } = setup();
    await schedule(deps, 'key-1');

    const reuse = schedule(deps, 'key-1', scheduleRequest({ expedited: true }));

    await expect(reuse).rejects.toBeInstanceOf(ConflictError);
    expect(h.store.requests.size).toBe(1);
    expect(sent).toHaveLength(1);
  });

  it('answers 503 when a downstream fails, and a retry with the same key completes the same delivery', async () => {
    const { h, sent, deps, setQueueDown } = setup();
    setQueueDown(true);
    await expect(schedule(deps, 'key-1')).rejects.toBeInstanceOf(ServiceUnavailableError);
    setQueueDown(false);

    const retried = await schedule(deps, 'key-1');

    expect(retried.deliveryId).toBe('id-1');
    expect(h.fake.deliveries.size).toBe(1);
    expect(sent).toHaveLength(1);
  });

  it('answers 503 when the Delivery service is down', async () => {
    const { h, sent, deps } = setup();
    h.fake.failNext('PUT', /^\/deliveries\//, 503, 10);

    await expect(schedule(deps)).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(sent).toEqual([]);
  });
});

describe('reschedule ingest', () => {
  async function scheduled() {
    const context = setup();
    const { deliveryId } = await schedule(context.deps);
    context.sent.length = 0;
    return { ...context, deliveryId };
  }

  it('stores the change and enqueues a reschedule operation', async () => {
    const { h, sent, deps, deliveryId } = await scheduled();

    const accepted = await rescheduleDelivery(deps, {
      caller,
      deliveryId,
      changes: { pickupTime: '2026-12-01T11:00:00Z' },
      correlationId: 'corr-2',
    });

    expect(accepted).toEqual({ deliveryId, stage: 'Requested' });
    expect(sent).toEqual([
      { deliveryId, operation: 'reschedule', requestId: 'id-3', accountId: ACCOUNT, correlationId: 'corr-2' },
    ]);
    expect(h.store.reschedules.get(`${deliveryId}#id-3`)?.request.pickupTime).toBe('2026-12-01T11:00:00Z');
    expect(h.store.requests.get(deliveryId)?.request.pickupTime).toBe('2026-12-01T11:00:00Z');
  });

  it('answers 404 for another account’s delivery', async () => {
    const { sent, deps, deliveryId } = await scheduled();

    const other = rescheduleDelivery(deps, {
      caller: { userId: 'u2', accountId: 'acct-2' },
      deliveryId,
      changes: { pickupTime: '2026-12-01T11:00:00Z' },
      correlationId: 'c',
    });

    await expect(other).rejects.toBeInstanceOf(NotFoundError);
    expect(sent).toEqual([]);
  });

  it('answers 409 once the delivery is in flight', async () => {
    const { h, sent, deps, deliveryId } = await scheduled();
    const delivery = h.fake.deliveries.get(deliveryId);
    if (delivery) delivery.stage = 'InTransit';

    const late = rescheduleDelivery(deps, {
      caller,
      deliveryId,
      changes: { pickupTime: '2026-12-01T11:00:00Z' },
      correlationId: 'c',
    });

    await expect(late).rejects.toBeInstanceOf(ConflictError);
    expect(sent).toEqual([]);
  });

  it('answers 400 when the new times would end the delivery before it starts', async () => {
    const { h, sent, deps, deliveryId } = await scheduled();

    const backwards = rescheduleDelivery(deps, {
      caller,
      deliveryId,
      changes: { pickupTime: '2026-12-01T13:00:00Z' },
      correlationId: 'c',
    });

    await expect(backwards).rejects.toBeInstanceOf(ValidationError);
    expect(sent).toEqual([]);
    expect(h.store.reschedules.size).toBe(0);
  });
});

describe('cancel ingest', () => {
  async function scheduled() {
    const context = setup();
    const { deliveryId } = await schedule(context.deps);
    context.sent.length = 0;
    return { ...context, deliveryId };
  }

  it('enqueues a cancel operation', async () => {
    const { sent, deps, deliveryId } = await scheduled();

    const accepted = await cancelDelivery(deps, { caller, deliveryId, correlationId: 'corr-3' });

    expect(accepted).toEqual({ deliveryId, stage: 'Requested' });
    expect(sent).toEqual([
      { deliveryId, operation: 'cancel', requestId: 'id-3', accountId: ACCOUNT, correlationId: 'corr-3' },
    ]);
  });

  it('answers 409 for a delivery in flight', async () => {
    const { h, sent, deps, deliveryId } = await scheduled();
    const delivery = h.fake.deliveries.get(deliveryId);
    if (delivery) delivery.stage = 'InTransit';

    await expect(cancelDelivery(deps, { caller, deliveryId, correlationId: 'c' })).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(sent).toEqual([]);
  });

  it('answers 409 for a delivery already cancelled', async () => {
    const { h, deps, deliveryId } = await scheduled();
    const delivery = h.fake.deliveries.get(deliveryId);
    if (delivery) delivery.stage = 'Cancelled';

    await expect(cancelDelivery(deps, { caller, deliveryId, correlationId: 'c' })).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it('answers 404 for an unknown delivery', async () => {
    const { deps } = await scheduled();

    await expect(
      cancelDelivery(deps, { caller, deliveryId: 'nope', correlationId: 'c' }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it('answers 404 when the Delivery service never heard of the stored request', async () => {
    const { h, deps, deliveryId } = await scheduled();
    h.fake.deliveries.delete(deliveryId);

    await expect(cancelDelivery(deps, { caller, deliveryId, correlationId: 'c' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});
