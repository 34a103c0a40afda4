import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
  ValidationError,
} from '../../../shared/errors.ts';
import { FifoQueueModel } from '../test-support/fifo-queue.ts';
import { ACCOUNT, harness, NOW, scheduleRequest } from '../test-support/harness.ts';
import { cancelDelivery, type IngestDeps, rescheduleDelivery, scheduleDelivery } from './ingest.ts';
import { SWEEP, sweepUnstarted } from './sweeper.ts';
import { runWorkflow } from './workflow.ts';

const caller = { userId: 'user-1', accountId: ACCOUNT };

/** Ingest over the in-memory store and a FIFO queue model, with a clock the test moves. */
function setup() {
  const h = harness();
  let now = NOW;
  const clock = () => now;
  const queue = new FifoQueueModel(clock);
  let ids = 0;
  const deps: IngestDeps = { store: h.store, queue, now: clock, newId: () => `id-${++ids}` };
  return {
    h,
    queue,
    deps,
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
    /** Runs the workflow on every queued message, as the queue's consumer would. */
    async consume() {
      await queue.drain((message) => runWorkflow(h.deps, message));
    },
    /** One sweeper run at the current time. */
    sweep() {
      return sweepUnstarted({
        store: h.store,
        queue,
        now: clock,
        remainingTimeMs: () => 60_000,
        correlationId: 'sweep-run',
      });
    },
  };
}

const schedule = (deps: IngestDeps, idempotencyKey?: string, request = scheduleRequest()) =>
  scheduleDelivery(deps, { caller, request, idempotencyKey, correlationId: 'corr-1' });

describe('schedule ingest', () => {
  it('stores the request as not yet started and enqueues the schedule operation, calling no other service', async () => {
    const { h, queue, deps } = setup();

    const accepted = await schedule(deps);

    expect(accepted).toEqual({ deliveryId: 'id-1', stage: 'Requested' });
    expect(h.store.requests.get('id-1')).toMatchObject({
      accountId: ACCOUNT,
      requestId: 'id-2',
      correlationId: 'corr-1',
      sweepAt: new Date(NOW.getTime() + SWEEP.graceSeconds * 1000).toISOString(),
    });
    expect(queue.accepted).toEqual([
      {
        deliveryId: 'id-1',
        operation: 'schedule',
        requestId: 'id-2',
        accountId: ACCOUNT,
        correlationId: 'corr-1',
      },
    ]);
    expect(h.fake.calls).toEqual([]);
  });

  it('returns the same delivery for the same Idempotency-Key and body, the repeat dropped by the queue', async () => {
    const { queue, deps } = setup();
    const first = await schedule(deps, 'key-1');

    const second = await schedule(deps, 'key-1');

    expect(second).toEqual(first);
    expect(queue.accepted).toHaveLength(1);
    expect(queue.deduplicated).toEqual(queue.accepted);
  });

  it('sends nothing again for a repeat of a request the workflow has started', async () => {
    const { queue, deps, consume } = setup();
    await schedule(deps, 'key-1');
    await consume();

    await schedule(deps, 'key-1');

    expect(queue.accepted).toHaveLength(1);
    expect(queue.deduplicated).toHaveLength(0);
  });

  it('refuses the same Idempotency-Key with another body with 409, writing nothing more', async () => {
    const { h, queue, deps } = setup();
    await schedule(deps, 'key-1');

    const reuse = schedule(deps, 'key-1', scheduleRequest({ expedited: true }));

    await expect(reuse).rejects.toBeInstanceOf(ConflictError);
    expect(h.store.requests.size).toBe(1);
    expect(queue.accepted).toHaveLength(1);
  });

  it('answers 202 while the queue is down: the stored request is enqueued by the sweeper', async () => {
    const { h, queue, deps, advance, sweep, consume } = setup();
    queue.down = true;

    const accepted = await schedule(deps);
    queue.down = false;
    advance(SWEEP.graceSeconds * 1000);
    await sweep();
    await consume();

    expect(accepted).toEqual({ deliveryId: 'id-1', stage: 'Requested' });
    expect(queue.accepted).toHaveLength(1);
    expect(h.fake.deliveries.get('id-1')?.stage).toBe('Scheduled');
  });

  it('answers a retry-safe 503 when its own table is down, having enqueued nothing', async () => {
    const { queue, deps } = setup();
    const failing: IngestDeps = {
      ...deps,
      store: {
        ...deps.store,
        putRequest: async () => {
          throw new Error('DynamoDB unavailable');
        },
      },
    };

    await expect(schedule(failing)).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(queue.accepted).toEqual([]);
  });
});

type Boundary = 'claim' | 'put' | 'send';

/**
 * The ingest's dependencies with the process dying right after `boundary`: that step takes effect,
 * then every later call fails, and whatever the ingest would have answered never reaches the client.
 */
function crashingAfter(deps: IngestDeps, boundary: Boundary): IngestDeps {
  let crashed = false;
  const crash = () => {
    if (crashed) throw new Error('process gone');
  };
  return {
    ...deps,
    now: deps.now,
    newId: deps.newId,
    store: {
      ...deps.store,
      async claimIdempotencyKey(record) {
        crash();
        const claim = await deps.store.claimIdempotencyKey(record);
        crashed ||= boundary === 'claim';
        return claim;
      },
      async putRequest(record) {
        crash();
        const put = await deps.store.putRequest(record);
        crashed ||= boundary === 'put';
        return put;
      },
    },
    queue: {
      async send(message) {
        crash();
        await deps.queue.send(message);
        crashed ||= boundary === 'send';
      },
    },
  };
}

/** The client's view of an attempt whose process died: no answer at all. */
async function lost(attempt: Promise<unknown>): Promise<void> {
  await attempt.then(
    () => undefined,
    () => undefined,
  );
}

describe('a crash at each step boundary of schedule ingest: nothing is lost or doubled', () => {
  const boundaries: Boundary[] = ['claim', 'put', 'send'];

  /** Exactly one delivery reached the Delivery service, with one package, one drone and one DeliveryCreated. */
  function expectScheduledOnce(h: ReturnType<typeof harness>) {
    expect([...h.fake.deliveries.keys()]).toEqual(['id-1']);
    expect(h.fake.deliveries.get('id-1')?.stage).toBe('Scheduled');
    expect(h.fake.callsTo('PUT', /^\/packages\//)).toHaveLength(1);
    expect(h.fake.callsTo('PUT', /^\/drones\/assignments\//)).toHaveLength(1);
    expect(h.fake.events).toEqual([{ detailType: 'DeliveryCreated', deliveryId: 'id-1' }]);
  }

  it.each(boundaries)(
    'after %s, a retry with the same Idempotency-Key completes the same delivery once',
    async (boundary) => {
      const { h, deps, advance, sweep, consume } = setup();
      await lost(schedule(crashingAfter(deps, boundary), 'key-1'));

      const retried = await schedule(deps, 'key-1');
      await consume();
      // Later sweeps (past the dedup window too) find nothing left to send.
      advance(10 * 60 * 1000);
      const late = await sweep();
      await consume();

      expect(retried.deliveryId).toBe('id-1');
      expect(late.due).toBe(0);
      expectScheduledOnce(h);
    },
  );

  it.each(['put', 'send'] as const)(
    'after %s, without any retry, the sweeper completes the stored request once',
    async (boundary) => {
      const { h, queue, deps, advance, sweep, consume } = setup();
      await lost(schedule(crashingAfter(deps, boundary), 'key-1'));
      await consume();

      advance(SWEEP.graceSeconds * 1000);
      const first = await sweep();
      await consume();
      advance(60 * 60 * 1000);
      const later = await sweep();

      // Crashed after its send, the request had already started when the sweeper looked.
      expect(first.sent).toBe(boundary === 'put' ? 1 : 0);
      expect(later.due).toBe(0);
      expect(queue.accepted).toHaveLength(1);
      expectScheduledOnce(h);
    },
  );

  it('after send, a request still waiting in the queue when the sweeper looks is not doubled', async () => {
    const { h, queue, deps, advance, sweep, consume } = setup();
    await lost(schedule(crashingAfter(deps, 'send'), 'key-1'));

    // A backlog: the message waits in the queue past the grace period, then past the dedup window.
    advance(SWEEP.graceSeconds * 1000);
    await sweep();
    advance(10 * 60 * 1000);
    await sweep();
    await consume();

    expect(queue.deduplicated).toHaveLength(1);
    expect(queue.accepted).toHaveLength(2);
    expectScheduledOnce(h);
  });

  it('after claim, without any retry, nothing was accepted and nothing is left behind', async () => {
    const { h, queue, deps, advance, sweep, consume } = setup();
    await lost(schedule(crashingAfter(deps, 'claim'), 'key-1'));

    advance(SWEEP.graceSeconds * 1000);
    const swept = await sweep();
    await consume();

    expect(swept.due).toBe(0);
    expect(h.store.requests.size).toBe(0);
    expect(queue.accepted).toEqual([]);
    expect(h.fake.deliveries.size).toBe(0);
  });
});

describe('reschedule ingest', () => {
  async function scheduled() {
    const context = setup();
    const { deliveryId } = await schedule(context.deps);
    await context.consume();
    context.queue.accepted.length = 0;
    return { ...context, deliveryId };
  }

  const change = { pickupTime: '2026-12-01T11:00:00Z' };

  it('stores the change as not yet started and enqueues a reschedule operation, answering the known stage', async () => {
    const { h, queue, deps, deliveryId } = await scheduled();
    await h.store.recordStage(deliveryId, 'Scheduled', 'e1', NOW.toISOString());

    const accepted = await rescheduleDelivery(deps, {
      caller,
      deliveryId,
      changes: change,
      correlationId: 'corr-2',
    });

    expect(accepted).toEqual({ deliveryId, stage: 'Scheduled' });
    expect(queue.accepted).toEqual([
      { deliveryId, operation: 'reschedule', requestId: 'id-3', accountId: ACCOUNT, correlationId: 'corr-2' },
    ]);
    expect(h.store.reschedules.get(`${deliveryId}#id-3`)).toMatchObject({
      request: { pickupTime: '2026-12-01T11:00:00Z' },
      accountId: ACCOUNT,
      correlationId: 'corr-2',
      sweepAt: expect.any(String),
    });
    // The request keeps its plan until the workflow has served the reschedule.
    expect(h.store.requests.get(deliveryId)?.request.pickupTime).toBe('2026-12-01T10:00:00Z');
  });

  it('sends a schedule that has not started ahead of the reschedule, so the delivery runs them in order', async () => {
    const { queue, deps } = setup();
    queue.down = true;
    const { deliveryId } = await schedule(deps);
    queue.down = false;

    await rescheduleDelivery(deps, { caller, deliveryId, changes: change, correlationId: 'corr-2' });

    expect(queue.accepted.map((message) => message.operation)).toEqual(['schedule', 'reschedule']);
  });

  it('answers 202 while the queue is down, and the sweeper sends the schedule, then the reschedule', async () => {
    const { h, queue, deps, advance, sweep, consume } = setup();
    queue.down = true;
    const { deliveryId } = await schedule(deps);

    const accepted = await rescheduleDelivery(deps, {
      caller,
      deliveryId,
      changes: change,
      correlationId: 'corr-2',
    });
    queue.down = false;
    advance(SWEEP.graceSeconds * 1000);
    await sweep();
    await consume();

    expect(accepted.stage).toBe('Requested');
    expect(queue.accepted.map((message) => message.operation)).toEqual(['schedule', 'reschedule']);
    expect(h.fake.deliveries.get(deliveryId)).toMatchObject({
      stage: 'Rescheduled',
      pickupTime: '2026-12-01T11:00:00Z',
    });
  });

  it('answers 404 for another account’s delivery', async () => {
    const { queue, deps, deliveryId } = await scheduled();

    const other = rescheduleDelivery(deps, {
      caller: { userId: 'u2', accountId: 'acct-2' },
      deliveryId,
      changes: change,
      correlationId: 'c',
    });

    await expect(other).rejects.toBeInstanceOf(NotFoundError);
    expect(queue.accepted).toEqual([]);
  });

  it.each(['InTransit', 'Completed', 'Cancelled', 'Failed'] as const)(
    'answers 409 once the delivery events said %s, storing nothing',
    async (stage) => {
      const { h, queue, deps, deliveryId } = await scheduled();
      await h.store.recordStage(deliveryId, stage, 'e1', NOW.toISOString());

      const late = rescheduleDelivery(deps, { caller, deliveryId, changes: change, correlationId: 'c' });

      await expect(late).rejects.toBeInstanceOf(ConflictError);
      expect(queue.accepted).toEqual([]);
      expect(h.store.reschedules.size).toBe(0);
    },
  );

  it('answers 400 when the new times would end the delivery before it starts', async () => {
    const { h, queue, deps, deliveryId } = await scheduled();

    const backwards = rescheduleDelivery(deps, {
      caller,
      deliveryId,
      changes: { pickupTime: '2026-12-01T13:00:00Z' },
      correlationId: 'c',
    });

    await expect(backwards).rejects.toBeInstanceOf(ValidationError);
    expect(queue.accepted).toEqual([]);
    expect(h.store.reschedules.size).toBe(0);
  });
});

describe('cancel ingest', () => {
  async function scheduled() {
    const context = setup();
    const { deliveryId } = await schedule(context.deps);
    await context.consume();
    context.queue.accepted.length = 0;
    return { ...context, deliveryId };
  }

  it('enqueues a cancel operation, answering the known stage', async () => {
    const { queue, deps, deliveryId } = await scheduled();

    const accepted = await cancelDelivery(deps, { caller, deliveryId, correlationId: 'corr-3' });

    expect(accepted).toEqual({ deliveryId, stage: 'Requested' });
    expect(queue.accepted).toEqual([
      { deliveryId, operation: 'cancel', requestId: 'id-3', accountId: ACCOUNT, correlationId: 'corr-3' },
    ]);
  });

  it('sends a schedule that has not started ahead of the cancel', async () => {
    const { queue, deps } = setup();
    queue.down = true;
    const { deliveryId } = await schedule(deps);
    queue.down = false;

    await cancelDelivery(deps, { caller, deliveryId, correlationId: 'corr-3' });

    expect(queue.accepted.map((message) => message.operation)).toEqual(['schedule', 'cancel']);
  });

  it.each(['InTransit', 'Completed', 'Cancelled', 'Failed'] as const)(
    'answers 409 once the delivery events said %s',
    async (stage) => {
      const { h, queue, deps, deliveryId } = await scheduled();
      await h.store.recordStage(deliveryId, stage, 'e1', NOW.toISOString());

      const late = cancelDelivery(deps, { caller, deliveryId, correlationId: 'c' });

      await expect(late).rejects.toBeInstanceOf(ConflictError);
      expect(queue.accepted).toEqual([]);
    },
  );

  it('answers a retry-safe 503 when the queue is down: a cancel is accepted only once enqueued', async () => {
    const { queue, deps, deliveryId } = await scheduled();
    queue.down = true;

    await expect(cancelDelivery(deps, { caller, deliveryId, correlationId: 'c' })).rejects.toBeInstanceOf(
      ServiceUnavailableError,
    );
  });

  it('answers 404 for an unknown delivery', async () => {
    const { deps } = await scheduled();

    await expect(
      cancelDelivery(deps, { caller, deliveryId: 'nope', correlationId: 'c' }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});
