import { describe, expect, it } from 'vitest';
import type { RescheduleDeliveryRequest } from '../schemas.ts';
import { ACCOUNT, type Harness, harness, NOW, scheduleRequest } from '../test-support/harness.ts';
import type { RequestMessage } from './messages.ts';
import { runWorkflow } from './workflow.ts';

// A reschedule is served whole (drone re-booked, then the Delivery service takes plan and drone at
// once, then the plan is the request's) or refused with nothing changed and the refusal told.

const LATER = { pickupTime: '2026-12-02T10:00:00Z', deadline: '2026-12-02T12:00:00Z' };
const FAR_DROPOFF = { latitude: 47.9, longitude: -122.1, altitude: 0 };

let requestCount = 0;

/** Stores a reschedule as the ingest would (the plan is not applied yet) and returns its message. */
async function reschedule(h: Harness, changes: RescheduleDeliveryRequest): Promise<RequestMessage> {
  const current = await h.store.getRequest('d1');
  if (!current) throw new Error('no request d1');
  requestCount += 1;
  const requestId = `r-${requestCount}`;
  await h.store.putReschedule(
    {
      deliveryId: 'd1',
      requestId,
      changes,
      request: { ...current.request, ...changes },
      createdAt: new Date(NOW.getTime() + requestCount).toISOString(),
      accountId: ACCOUNT,
      correlationId: `c-${requestId}`,
    },
    current.updatedAt,
  );
  return { deliveryId: 'd1', operation: 'reschedule', requestId, accountId: ACCOUNT, correlationId: 'c' };
}

/** A delivery scheduled with the standard request, its calls and events forgotten. */
async function scheduled() {
  const h = harness();
  await runWorkflow(h.deps, await h.ingest('d1'));
  h.fake.calls.length = 0;
  h.fake.bodies.length = 0;
  h.fake.events.length = 0;
  return h;
}

/** What a client and the other services see of the delivery: plan, drone, stage, booking, package. */
function snapshot(h: Harness) {
  return structuredClone({
    delivery: h.fake.deliveries.get('d1'),
    assignment: h.fake.assignments.get('d1'),
    package: h.fake.packages.get('d1'),
  });
}

describe('a reschedule that can be served', () => {
  it('re-books the drone for the new plan first, then has the Delivery service take plan and drone at once', async () => {
    const h = await scheduled();
    const message = await reschedule(h, LATER);

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome).toEqual({ status: 'Completed' });
    expect(h.fake.calls).toEqual([
      'GET /deliveries/d1',
      'PUT /drones/assignments/d1',
      'PUT /deliveries/d1/reschedule',
    ]);
    expect(h.fake.bodies[1]?.body).toMatchObject(LATER);
    expect(h.fake.bodies[2]?.body).toEqual({
      requestId: message.requestId,
      ...LATER,
      dropoff: scheduleRequest().dropoff,
      droneId: 'drone-1',
      pickupEta: LATER.pickupTime,
      deliveryEta: LATER.deadline,
    });
    expect(h.fake.events).toEqual([{ detailType: 'DeliveryRescheduled', deliveryId: 'd1' }]);
  });

  it('makes the new plan the request’s only once the Delivery service has taken it', async () => {
    const h = await scheduled();
    const message = await reschedule(h, LATER);
    expect((await h.store.getRequest('d1'))?.request).toEqual(scheduleRequest());

    await runWorkflow(h.deps, message);

    expect((await h.store.getRequest('d1'))?.request).toEqual(scheduleRequest(LATER));
  });

  it('applies a second reschedule to the plan the first one left', async () => {
    const h = await scheduled();
    const first = await reschedule(h, LATER);
    const second = await reschedule(h, { dropoff: FAR_DROPOFF });

    await runWorkflow(h.deps, first);
    await runWorkflow(h.deps, second);

    expect((await h.store.getRequest('d1'))?.request).toEqual(
      scheduleRequest({ ...LATER, dropoff: FAR_DROPOFF }),
    );
    expect(h.fake.deliveries.get('d1')).toMatchObject({
      ...LATER,
      dropoff: FAR_DROPOFF,
      stage: 'Rescheduled',
    });
  });

  it('re-books and tells once when its message is delivered twice', async () => {
    const h = await scheduled();
    const message = await reschedule(h, LATER);
    await runWorkflow(h.deps, message);

    const second = await runWorkflow(h.deps, message);

    expect(second).toEqual({ status: 'Skipped' });
    expect(h.fake.callsTo('PUT', /^\/drones\//)).toHaveLength(1);
    expect(h.fake.events).toHaveLength(1);
  });

  it('resumes after the Delivery service took the plan, only recording it', async () => {
    const h = await scheduled();
    const message = await reschedule(h, LATER);
    const applyReschedule = h.store.applyReschedule.bind(h.store);
    h.store.applyReschedule = async () => {
      throw new Error('DynamoDB unavailable');
    };
    await expect(runWorkflow(h.deps, message)).rejects.toThrow('DynamoDB unavailable');
    h.store.applyReschedule = applyReschedule;
    h.fake.calls.length = 0;

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome).toEqual({ status: 'Completed' });
    expect(h.fake.calls).toEqual([]);
    expect((await h.store.getRequest('d1'))?.request).toEqual(scheduleRequest(LATER));
  });
});

describe('a reschedule that cannot be served', () => {
  it('leaves the delivery exactly as it was when no drone is free for the new plan, and tells why', async () => {
    const h = await scheduled();
    const message = await reschedule(h, LATER);
    const before = snapshot(h);
    h.fake.fleetBooked = { latestDeparture: '2026-12-02T11:30:00.000Z' };

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome).toEqual({ status: 'Rejected', reason: 'NoDroneAvailable' });
    expect(snapshot(h)).toEqual({
      ...before,
      delivery: { ...before.delivery, handledRequests: [message.requestId] },
    });
    expect(h.fake.events).toEqual([
      {
        detailType: 'DeliveryRescheduleRejected',
        deliveryId: 'd1',
        reason: 'NoDroneAvailable',
        change: LATER,
      },
    ]);
    expect(h.fake.calls).toEqual([
      'GET /deliveries/d1',
      'PUT /drones/assignments/d1',
      'PUT /deliveries/d1/reschedule-rejection',
    ]);
    expect((await h.store.getRequest('d1'))?.request).toEqual(scheduleRequest());
    expect(h.store.saved.at(-1)).toMatchObject({
      status: 'Completed',
      outcome: 'rejected: NoDroneAvailable',
    });
  });

  it('does not wait for a drone: a refused reschedule is answered at once', async () => {
    const h = await scheduled();
    const message = await reschedule(h, LATER);
    h.fake.fleetBooked = { latestDeparture: '2026-12-02T11:30:00.000Z', retryAt: '2026-12-02T09:00:00.000Z' };

    await runWorkflow(h.deps, message);

    expect(h.waits.sent).toEqual([]);
    expect(h.fake.deliveries.get('d1')?.waiting).toBeUndefined();
  });

  it('refuses a plan whose deadline is not after its pickup without booking anything', async () => {
    const h = await scheduled();
    const message = await reschedule(h, { deadline: '2026-12-01T09:00:00Z' });
    const before = snapshot(h);

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome).toEqual({ status: 'Rejected', reason: 'InvalidRequest' });
    expect(h.fake.calls).toEqual(['GET /deliveries/d1', 'PUT /deliveries/d1/reschedule-rejection']);
    expect(snapshot(h).assignment).toEqual(before.assignment);
    expect(h.fake.events).toEqual([
      {
        detailType: 'DeliveryRescheduleRejected',
        deliveryId: 'd1',
        reason: 'InvalidRequest',
        change: { deadline: '2026-12-01T09:00:00Z' },
      },
    ]);
  });

  it('never compensates: no release, no package cancelled, no failure', async () => {
    const h = await scheduled();
    const message = await reschedule(h, LATER);
    h.fake.fleetBooked = {};

    await runWorkflow(h.deps, message);

    expect(h.fake.callsTo('DELETE', /./)).toEqual([]);
    expect(h.fake.reserved()).toEqual({ packages: ['d1'], assignments: ['d1'] });
    expect(h.fake.deliveries.get('d1')?.stage).toBe('Scheduled');
  });

  it('tells the refusal once when telling it failed for a while', async () => {
    const h = await scheduled();
    const message = await reschedule(h, LATER);
    h.fake.fleetBooked = {};
    h.fake.failNext('PUT', /reschedule-rejection$/, 503, 4);
    await expect(runWorkflow(h.deps, message)).rejects.toMatchObject({ transient: true });

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome).toEqual({ status: 'Rejected', reason: 'NoDroneAvailable' });
    expect(h.fake.events.filter((e) => e.detailType === 'DeliveryRescheduleRejected')).toHaveLength(1);
  });

  it('books the drone back for the kept plan when the Delivery service refuses the new one', async () => {
    const h = await scheduled();
    const message = await reschedule(h, LATER);
    const before = snapshot(h);
    h.fake.failNext('PUT', /\/reschedule$/, 400);

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome).toEqual({ status: 'Rejected', reason: 'InvalidRequest' });
    expect(h.fake.callsTo('PUT', /^\/drones\//)).toHaveLength(2);
    expect(h.fake.bodies.at(-2)?.body).toMatchObject({ pickupTime: scheduleRequest().pickupTime });
    expect(snapshot(h).assignment).toEqual(before.assignment);
    expect(h.fake.deliveries.get('d1')?.stage).toBe('Scheduled');
  });
});

describe('a reschedule refused in a way not foreseen', () => {
  it('is told as invalid, and the delivery is kept as it is', async () => {
    const h = await scheduled();
    const message = await reschedule(h, LATER);
    const before = snapshot(h);
    h.fake.failNext('GET', /^\/deliveries\/d1$/, 403);

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome).toEqual({ status: 'Rejected', reason: 'InvalidRequest' });
    expect(h.fake.callsTo('DELETE', /./)).toEqual([]);
    expect(snapshot(h).assignment).toEqual(before.assignment);
    expect(h.fake.deliveries.get('d1')?.stage).toBe('Scheduled');
  });
});

describe('a reschedule the delivery no longer allows', () => {
  it('ends without change when the delivery is already in flight', async () => {
    const h = await scheduled();
    const message = await reschedule(h, LATER);
    const delivery = h.fake.deliveries.get('d1');
    if (delivery) delivery.stage = 'InTransit';

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome).toEqual({ status: 'Unchanged', reason: 'the delivery is already InTransit' });
    expect(h.fake.calls).toEqual(['GET /deliveries/d1']);
    expect(h.fake.reserved()).toEqual({ packages: ['d1'], assignments: ['d1'] });
  });

  it('ends without change when its drone has picked the package up meanwhile', async () => {
    const h = await scheduled();
    const message = await reschedule(h, LATER);
    const drone = h.fake.drones[0];
    if (drone) drone.inFlight = true;

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome.status).toBe('Unchanged');
    expect(h.fake.events).toEqual([]);
  });

  it('ends without change when the Delivery service never created the delivery', async () => {
    const h = await scheduled();
    const message = await reschedule(h, LATER);
    h.fake.deliveries.delete('d1');

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome).toEqual({
      status: 'Unchanged',
      reason: 'the Delivery service does not know the delivery',
    });
    expect(h.fake.calls).toEqual(['GET /deliveries/d1']);
  });

  it('throws when the reschedule it names was never stored', async () => {
    const h = await scheduled();
    const message = await reschedule(h, LATER);

    await expect(runWorkflow(h.deps, { ...message, requestId: 'missing' })).rejects.toThrow(
      'no stored reschedule',
    );
  });

  it('is retried while the delivery’s schedule has not reserved its package yet', async () => {
    const h = harness();
    await h.ingest('d1');
    h.fake.deliveries.set('d1', { deliveryId: 'd1', accountId: ACCOUNT, stage: 'Requested' });
    const message = await reschedule(h, LATER);

    await expect(runWorkflow(h.deps, message)).rejects.toThrow('has not reserved its package yet');
    expect(h.fake.callsTo('PUT', /./)).toEqual([]);
  });
});
