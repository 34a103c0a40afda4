import { BrokenCircuitError } from 'cockatiel';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeDownstreams } from '../test-support/fake-downstreams.ts';
import { ACCOUNT, FAST_RESILIENCE, harness, scheduleRequest } from '../test-support/harness.ts';
import type { RequestMessage } from './messages.ts';
import { runWorkflow } from './workflow.ts';

const SCHEDULE_CALLS = [
  'PUT /deliveries/d1',
  `GET /accounts/${ACCOUNT}`,
  'PUT /packages/d1',
  'PUT /drones/assignments/d1',
  'PUT /deliveries/d1/schedule',
];

afterEach(() => {
  vi.useRealTimers();
});

describe('schedule workflow', () => {
  it('creates the delivery, then calls Accounts, Package, Drone and Delivery in order, checkpointing each step', async () => {
    const h = harness();
    const message = await h.ingest('d1');

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome).toEqual({ status: 'Completed' });
    expect(h.fake.calls).toEqual(SCHEDULE_CALLS);
    expect(h.store.saved.map((c) => Object.keys(c.steps))).toEqual([
      ['create'],
      ['create', 'accounts'],
      ['create', 'accounts', 'package'],
      ['create', 'accounts', 'package', 'drone'],
      ['create', 'accounts', 'package', 'drone', 'delivery'],
      ['create', 'accounts', 'package', 'drone', 'delivery'],
    ]);
    expect(h.store.saved.at(-1)).toMatchObject({
      status: 'Completed',
      steps: { drone: { droneId: 'drone-1' }, delivery: { stage: 'Scheduled' } },
    });
    expect(h.fake.events).toEqual([{ detailType: 'DeliveryCreated', deliveryId: 'd1' }]);
  });

  it('sends the stored request to Package and Drone Management', async () => {
    const h = harness();
    const message = await h.ingest('d1');

    await runWorkflow(h.deps, message);

    expect(h.fake.bodies.find((b) => b.call === 'PUT /packages/d1')?.body).toEqual({
      accountId: ACCOUNT,
      size: 'Small',
      weightKg: 1.2,
      tag: 'books',
    });
    expect(h.fake.bodies.find((b) => b.call === 'PUT /drones/assignments/d1')?.body).toEqual({
      pickup: { latitude: 47.6, longitude: -122.3, altitude: 0 },
      dropoff: { latitude: 47.7, longitude: -122.2, altitude: 0 },
      weightKg: 1.2,
      pickupTime: '2026-12-01T10:00:00Z',
      deadline: '2026-12-01T12:00:00Z',
      expedited: false,
    });
  });

  it('retries a transient downstream failure and then succeeds', async () => {
    const h = harness();
    const message = await h.ingest('d1');
    h.fake.failNext('PUT', /^\/packages\//, 503, 2);

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome.status).toBe('Completed');
    expect(h.fake.callsTo('PUT', /^\/packages\//)).toHaveLength(3);
  });

  it('retries network errors and 429 as transient', async () => {
    const h = harness();
    const message = await h.ingest('d1');
    h.fake.failNext('GET', /^\/accounts\//, 0);
    h.fake.failNext('GET', /^\/accounts\//, 429);

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome.status).toBe('Completed');
    expect(h.fake.callsTo('GET', /^\/accounts\//)).toHaveLength(3);
  });

  it('fails the message (throws) when the retries of a transient failure are spent, keeping completed steps', async () => {
    const h = harness();
    const message = await h.ingest('d1');
    h.fake.failNext('PUT', /^\/drones\//, 503, 4);

    await expect(runWorkflow(h.deps, message)).rejects.toMatchObject({
      name: 'DownstreamError',
      transient: true,
    });

    expect(h.fake.callsTo('PUT', /^\/drones\//)).toHaveLength(FAST_RESILIENCE.retry.maxAttempts);
    expect(h.store.saved.at(-1)).toMatchObject({ status: 'Running', steps: { accounts: {}, package: {} } });
    expect(h.fake.deliveries.get('d1')?.stage).toBe('Requested');
  });

  it('does not retry when the invocation has no time left for another attempt', async () => {
    // Less than the reserve even before any backoff (full jitter may draw a delay of 0).
    const h = harness({ remainingTimeMs: () => FAST_RESILIENCE.retry.reserveMs - 1 });
    const message = await h.ingest('d1');
    h.fake.failNext('GET', /^\/accounts\//, 503);

    await expect(runWorkflow(h.deps, message)).rejects.toMatchObject({ transient: true });

    expect(h.fake.callsTo('GET', /^\/accounts\//)).toHaveLength(1);
  });

  it('resumes at the third step after dying after its second', async () => {
    const h = harness();
    const message = await h.ingest('d1');
    h.fake.failNext('PUT', /^\/drones\//, 503, 4);
    await expect(runWorkflow(h.deps, message)).rejects.toThrow();
    h.fake.calls.length = 0;

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome.status).toBe('Completed');
    expect(h.fake.calls).toEqual(['PUT /drones/assignments/d1', 'PUT /deliveries/d1/schedule']);
  });

  it('produces one package, one drone assignment and one Delivery schedule call when a message is processed twice', async () => {
    const h = harness();
    const message = await h.ingest('d1');
    await runWorkflow(h.deps, message);

    const second = await runWorkflow(h.deps, message);

    expect(second).toEqual({ status: 'Skipped' });
    expect(h.fake.callsTo('PUT', /^\/packages\//)).toHaveLength(1);
    expect(h.fake.callsTo('PUT', /^\/drones\/assignments\//)).toHaveLength(1);
    expect(h.fake.callsTo('PUT', /\/schedule$/)).toHaveLength(1);
    expect(h.fake.events).toHaveLength(1);
  });

  it('throws without a stored request (the message ends in the DLQ)', async () => {
    const h = harness();
    const message: RequestMessage = {
      deliveryId: 'ghost',
      operation: 'schedule',
      requestId: 'r',
      accountId: ACCOUNT,
      correlationId: 'c',
    };

    await expect(runWorkflow(h.deps, message)).rejects.toThrow('no stored request');
    expect(h.fake.calls).toEqual([]);
  });

  it("takes the request out of the sweeper's index as soon as it starts, even if a step then fails", async () => {
    const h = harness();
    const message = await h.ingest('d1');
    h.fake.failNext('GET', /^\/accounts\//, 503, 4);

    await expect(runWorkflow(h.deps, message)).rejects.toMatchObject({ transient: true });

    expect(h.store.requests.get('d1')?.sweepAt).toBeUndefined();
    expect(await h.store.findUnstarted('9999-12-31T00:00:00.000Z', 10)).toEqual([]);
  });

  it('retries while the Delivery service cannot create the delivery, having reserved nothing', async () => {
    const h = harness();
    const message = await h.ingest('d1');
    h.fake.failNext('PUT', /^\/deliveries\/d1$/, 503, 4);

    await expect(runWorkflow(h.deps, message)).rejects.toMatchObject({ transient: true });
    expect(h.fake.calls).toEqual(Array(FAST_RESILIENCE.retry.maxAttempts).fill('PUT /deliveries/d1'));
    expect(h.fake.reserved()).toEqual({ packages: [], assignments: [] });

    const outcome = await runWorkflow(h.deps, message);
    expect(outcome).toEqual({ status: 'Completed' });
    expect(h.fake.deliveries.get('d1')?.stage).toBe('Scheduled');
  });

  it('reserves nothing for a delivery that ended before its schedule ran (cancelled first)', async () => {
    const h = harness();
    const message = await h.ingest('d1');
    h.fake.deliveries.set('d1', { deliveryId: 'd1', accountId: ACCOUNT, stage: 'Cancelled' });

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome).toEqual({ status: 'Unchanged', reason: 'the delivery is already Cancelled' });
    expect(h.fake.calls).toEqual(['PUT /deliveries/d1']);
    expect(h.fake.reserved()).toEqual({ packages: [], assignments: [] });
    expect(h.fake.events).toEqual([]);
    expect(h.store.saved.at(-1)).toMatchObject({
      status: 'Completed',
      outcome: 'the delivery is already Cancelled',
    });
  });
});

describe('circuit breaker per downstream', () => {
  it('opens after 5 consecutive transient failures and then stops calling the downstream', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const h = harness();
    const message = await h.ingest('d1');
    h.fake.failNext('GET', /^\/accounts\//, 503, 100);
    await expect(runWorkflow(h.deps, message)).rejects.toThrow();
    await expect(runWorkflow(h.deps, message)).rejects.toThrow();
    const callsWhenOpen = h.fake.callsTo('GET', /^\/accounts\//).length;

    const third = runWorkflow(h.deps, message);

    await expect(third).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(callsWhenOpen).toBe(5);
    expect(h.fake.callsTo('GET', /^\/accounts\//)).toHaveLength(5);
    expect(h.downstreams.guards.accounts.state()).toBe('open');
    expect(h.downstreams.guards.package.state()).toBe('closed');
  });

  it('lets one probe through after its break and closes when the probe succeeds', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const h = harness();
    const message = await h.ingest('d1');
    h.fake.failNext('GET', /^\/accounts\//, 503, 5);
    await expect(runWorkflow(h.deps, message)).rejects.toThrow();
    await expect(runWorkflow(h.deps, message)).rejects.toBeInstanceOf(BrokenCircuitError);
    vi.setSystemTime(Date.now() + FAST_RESILIENCE.breaker.halfOpenAfterMs + 1);

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome.status).toBe('Completed');
    expect(h.downstreams.guards.accounts.state()).toBe('closed');
    expect(h.fake.callsTo('GET', /^\/accounts\//)).toHaveLength(6);
  });
});

describe('non-transient failures', () => {
  it('fails a suspended account with AccountSuspended, reserving nothing', async () => {
    const h = harness();
    h.fake.accounts.set(ACCOUNT, { accountId: ACCOUNT, name: 'Acme', status: 'Suspended' });
    const message = await h.ingest('d1');

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome).toEqual({ status: 'Failed', reason: 'AccountSuspended' });
    expect(h.fake.calls).toEqual([
      'PUT /deliveries/d1',
      `GET /accounts/${ACCOUNT}`,
      'PUT /deliveries/d1/failure',
    ]);
    expect(h.fake.reserved()).toEqual({ packages: [], assignments: [] });
    expect(h.fake.events).toEqual([
      { detailType: 'DeliveryFailed', deliveryId: 'd1', reason: 'AccountSuspended' },
    ]);
    expect(h.store.saved.at(-1)).toMatchObject({ status: 'Failed', failure: { reason: 'AccountSuspended' } });
  });

  it('fails an unknown account with AccountNotFound', async () => {
    const h = harness({ fake: new FakeDownstreams() });
    const message = await h.ingest('d1');

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome).toEqual({ status: 'Failed', reason: 'AccountNotFound' });
    expect(h.fake.events).toEqual([
      { detailType: 'DeliveryFailed', deliveryId: 'd1', reason: 'AccountNotFound' },
    ]);
  });

  it('fails a package over its size weight limit with PackageRejected, undoing the attempted package', async () => {
    const h = harness();
    const message = await h.ingest('d1', scheduleRequest({ package: { size: 'Small', weightKg: 3 } }));

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome).toEqual({ status: 'Failed', reason: 'PackageRejected' });
    expect(h.fake.calls).toEqual([
      'PUT /deliveries/d1',
      `GET /accounts/${ACCOUNT}`,
      'PUT /packages/d1',
      'DELETE /packages/d1',
      'PUT /deliveries/d1/failure',
    ]);
    expect(h.fake.reserved()).toEqual({ packages: [], assignments: [] });
    expect(h.fake.events).toEqual([
      { detailType: 'DeliveryFailed', deliveryId: 'd1', reason: 'PackageRejected' },
    ]);
  });

  it('fails when no drone can carry the package with NoDroneAvailable, undoing the attempted drone and the package', async () => {
    const h = harness();
    const message = await h.ingest('d1', scheduleRequest({ package: { size: 'Large', weightKg: 8 } }));

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome).toEqual({ status: 'Failed', reason: 'NoDroneAvailable' });
    expect(h.fake.calls).toEqual([
      'PUT /deliveries/d1',
      `GET /accounts/${ACCOUNT}`,
      'PUT /packages/d1',
      'PUT /drones/assignments/d1',
      'DELETE /drones/assignments/d1',
      'DELETE /packages/d1',
      'PUT /deliveries/d1/failure',
    ]);
    expect(h.fake.reserved()).toEqual({ packages: [], assignments: [] });
    expect(h.fake.events).toEqual([
      { detailType: 'DeliveryFailed', deliveryId: 'd1', reason: 'NoDroneAvailable' },
    ]);
  });

  it('compensates in reverse: releases the drone before cancelling the package', async () => {
    const h = harness();
    const message = await h.ingest('d1');
    h.fake.failNext('PUT', /\/schedule$/, 400);

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome).toEqual({ status: 'Failed', reason: 'InvalidRequest' });
    expect(h.fake.calls.slice(5)).toEqual([
      'DELETE /drones/assignments/d1',
      'DELETE /packages/d1',
      'PUT /deliveries/d1/failure',
    ]);
    expect(h.fake.reserved()).toEqual({ packages: [], assignments: [] });
  });

  it('compensates without failing a delivery that was cancelled while it was being scheduled', async () => {
    const h = harness();
    const message = await h.ingest('d1');
    h.fake.failNext('PUT', /\/schedule$/, 409);

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome.status).toBe('Failed');
    expect(h.fake.calls.slice(5)).toEqual(['DELETE /drones/assignments/d1', 'DELETE /packages/d1']);
    expect(h.fake.events).toEqual([]);
  });

  it('resumes an interrupted compensation without repeating the forward steps', async () => {
    const h = harness();
    const message = await h.ingest('d1', scheduleRequest({ package: { size: 'Large', weightKg: 8 } }));
    h.fake.failNext('DELETE', /^\/packages\//, 503, 4);
    await expect(runWorkflow(h.deps, message)).rejects.toMatchObject({ transient: true });
    h.fake.calls.length = 0;

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome).toEqual({ status: 'Failed', reason: 'NoDroneAvailable' });
    expect(h.fake.calls).toEqual(['DELETE /packages/d1', 'PUT /deliveries/d1/failure']);
  });
});

describe('cancel workflow', () => {
  async function scheduled() {
    const h = harness();
    await runWorkflow(h.deps, await h.ingest('d1'));
    h.fake.calls.length = 0;
    h.fake.bodies.length = 0;
    const message: RequestMessage = {
      deliveryId: 'd1',
      operation: 'cancel',
      requestId: 'r3',
      accountId: ACCOUNT,
      correlationId: 'c3',
    };
    return { h, message };
  }

  it('cancels the delivery, then releases the drone and cancels the package', async () => {
    const { h, message } = await scheduled();

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome).toEqual({ status: 'Completed' });
    expect(h.fake.calls).toEqual([
      'DELETE /deliveries/d1',
      'DELETE /drones/assignments/d1',
      'DELETE /packages/d1',
    ]);
    expect(h.fake.reserved()).toEqual({ packages: [], assignments: [] });
    expect(h.fake.events.at(-1)).toEqual({
      detailType: 'DeliveryCancelled',
      deliveryId: 'd1',
      reason: 'CancelledByClient',
    });
  });

  it('stops without releasing anything when the delivery is already in flight', async () => {
    const { h, message } = await scheduled();
    const delivery = h.fake.deliveries.get('d1');
    if (delivery) delivery.stage = 'InTransit';

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome.status).toBe('Unchanged');
    expect(h.fake.calls).toEqual(['DELETE /deliveries/d1']);
    expect(h.fake.reserved()).toEqual({ packages: ['d1'], assignments: ['d1'] });
  });

  it('ends without change when the Delivery service never created the delivery', async () => {
    const { h, message } = await scheduled();
    h.fake.deliveries.delete('d1');

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome.status).toBe('Unchanged');
    expect(h.fake.calls).toEqual(['DELETE /deliveries/d1']);
  });

  it('carries on when the drone has already picked up and cannot be released', async () => {
    const { h, message } = await scheduled();
    const drone = h.fake.drones[0];
    if (drone) drone.inFlight = true;

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome.status).toBe('Completed');
    expect(h.fake.calls).toEqual([
      'DELETE /deliveries/d1',
      'DELETE /drones/assignments/d1',
      'DELETE /packages/d1',
    ]);
  });
});
