import { describe, expect, it } from 'vitest';
import { ACCOUNT, harness, NOW, scheduleRequest } from '../test-support/harness.ts';
import type { RequestMessage } from './messages.ts';
import { SCHEDULER_RESILIENCE } from './settings.ts';
import { runWorkflow } from './workflow.ts';

// A schedule with no drone free for its window waits (docs/architecture.md §5 4a): it stays
// Requested, says so, and is tried again off the FIFO queue with backoff, as long as a drone leaving
// then could still meet its deadline; only then does it fail with NoDroneAvailable.

const HOUR_MS = 3_600_000;
const LATEST = new Date(NOW.getTime() + HOUR_MS).toISOString();

/** A harness on a clock the test moves, with every drone booked until further notice. */
async function waitingSetup(options: { random?: () => number; latestDeparture?: string } = {}) {
  let now = NOW;
  const h = harness({ now: () => now, ...(options.random ? { random: options.random } : {}) });
  h.fake.fleetBooked = {
    latestDeparture: options.latestDeparture ?? LATEST,
    retryAt: new Date(NOW.getTime() + 2 * HOUR_MS).toISOString(),
  };
  const message = await h.ingest('d1');
  return {
    h,
    message,
    /** Moves the clock to the latest wait's due time and returns the message the forwarder sends back. */
    wakeUp(): RequestMessage {
      const last = h.waits.sent.at(-1);
      if (!last) throw new Error('nothing is waiting');
      now = new Date(last.wait.dueAt);
      return last.wait.message;
    },
    setNow(at: Date) {
      now = at;
    },
    /** The booking in the way of every drone ends `ms` after the current time. */
    setFleetFreeIn(ms: number) {
      h.fake.fleetBooked = {
        latestDeparture: options.latestDeparture ?? LATEST,
        retryAt: new Date(now.getTime() + ms).toISOString(),
      };
    },
  };
}

describe('a schedule with no drone free for its window', () => {
  it('stays Requested, says it waits for a drone and until when, and goes to the waits queue', async () => {
    const { h, message } = await waitingSetup({ random: () => 0.5 });

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome).toEqual({ status: 'Waiting', reason: `until ${LATEST}` });
    expect(h.fake.deliveries.get('d1')).toMatchObject({
      stage: 'Requested',
      waiting: { for: 'drone', until: LATEST },
    });
    expect(h.waits.sent).toEqual([
      {
        wait: { message: { ...message, wait: 1 }, dueAt: new Date(NOW.getTime() + 2_000).toISOString() },
        delaySeconds: 2,
      },
    ]);
    expect(h.store.saved.at(-1)).toMatchObject({
      status: 'Running',
      wait: { attempts: 1, since: NOW.toISOString(), until: LATEST },
    });
    expect(h.fake.events).toEqual([]);
    expect(h.fake.reserved()).toEqual({ packages: ['d1'], assignments: [] });
  });

  it('is scheduled once a drone is free, resuming after its checkpointed steps', async () => {
    const { h, message, wakeUp } = await waitingSetup();
    await runWorkflow(h.deps, message);
    h.fake.fleetBooked = undefined;
    h.fake.calls.length = 0;

    const outcome = await runWorkflow(h.deps, wakeUp());

    expect(outcome).toEqual({ status: 'Completed' });
    expect(h.fake.calls).toEqual([
      'GET /deliveries/d1',
      'PUT /drones/assignments/d1',
      'PUT /deliveries/d1/schedule',
    ]);
    expect(h.fake.deliveries.get('d1')?.stage).toBe('Scheduled');
    expect(h.fake.events).toEqual([{ detailType: 'DeliveryCreated', deliveryId: 'd1' }]);
  });

  it('waits longer each time, with full jitter from a few seconds up to a cap', async () => {
    const { h, message, wakeUp } = await waitingSetup({ random: () => 1 });
    await runWorkflow(h.deps, message);
    for (let wait = 2; wait <= 8; wait++) await runWorkflow(h.deps, wakeUp());

    expect(h.waits.sent.map((sent) => sent.delaySeconds)).toEqual([4, 8, 16, 32, 64, 120, 120, 120]);
    expect(h.waits.sent.map((sent) => sent.wait.message.wait)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('comes back a second after the booking in its way ends, however long its backoff has grown', async () => {
    const { h, message, wakeUp, setFleetFreeIn } = await waitingSetup({ random: () => 1 });
    await runWorkflow(h.deps, message);
    for (let wait = 2; wait <= 5; wait++) await runWorkflow(h.deps, wakeUp());
    const sixth = wakeUp();
    // The drone in the way is now booked for 10 s more only.
    setFleetFreeIn(10_000);

    await runWorkflow(h.deps, sixth);

    expect(h.waits.sent.map((sent) => sent.delaySeconds)).toEqual([4, 8, 16, 32, 64, 11]);
  });

  it('never waits less than the minimum delay, however small the jitter', async () => {
    const { h, message } = await waitingSetup({ random: () => 0 });

    await runWorkflow(h.deps, message);

    expect(h.waits.sent[0]?.delaySeconds).toBe(SCHEDULER_RESILIENCE.waiting.minDelaySeconds);
  });

  it('never waits past the latest departure that still meets the deadline', async () => {
    const latestDeparture = new Date(NOW.getTime() + 10_000).toISOString();
    const { h, message, wakeUp } = await waitingSetup({ random: () => 1, latestDeparture });
    await runWorkflow(h.deps, message);
    await runWorkflow(h.deps, wakeUp());

    expect(h.waits.sent.map((sent) => sent.delaySeconds)).toEqual([4, 6]);
    expect(h.waits.sent.at(-1)?.wait.dueAt).toBe(latestDeparture);
  });

  it('tells the Delivery service of the wait once while its end stays the same', async () => {
    const { h, message, wakeUp } = await waitingSetup();
    await runWorkflow(h.deps, message);
    await runWorkflow(h.deps, wakeUp());
    await runWorkflow(h.deps, wakeUp());

    expect(h.fake.callsTo('PUT', /\/waiting$/)).toHaveLength(1);
  });

  it('fails with NoDroneAvailable once the latest departure has passed, undoing its reservations', async () => {
    const { h, message, wakeUp, setNow } = await waitingSetup();
    await runWorkflow(h.deps, message);
    await runWorkflow(h.deps, wakeUp());
    const woken = wakeUp();
    setNow(new Date(Date.parse(LATEST) + 1));

    const outcome = await runWorkflow(h.deps, woken);

    expect(outcome).toEqual({ status: 'Failed', reason: 'NoDroneAvailable' });
    expect(h.fake.deliveries.get('d1')).toMatchObject({ stage: 'Failed', failureReason: 'NoDroneAvailable' });
    expect(h.fake.reserved()).toEqual({ packages: [], assignments: [] });
    expect(h.store.saved.at(-1)?.failure?.detail).toContain('Waited for a drone 2 times since');
    expect(h.waits.sent).toHaveLength(2);
  });

  it('fails at once when waiting cannot help (no latest departure)', async () => {
    const { h, message } = await waitingSetup();
    h.fake.fleetBooked = {};

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome).toEqual({ status: 'Failed', reason: 'NoDroneAvailable' });
    expect(h.waits.sent).toEqual([]);
    expect(h.fake.reserved()).toEqual({ packages: [], assignments: [] });
  });

  it('never waits without a waits queue (the supervisor)', async () => {
    const { h, message } = await waitingSetup();

    const outcome = await runWorkflow({ ...h.deps, waits: undefined }, message);

    expect(outcome).toEqual({ status: 'Failed', reason: 'NoDroneAvailable' });
  });

  it('keeps its message for redelivery when the wait cannot be queued, then waits as the same wait', async () => {
    const { h, message } = await waitingSetup();
    h.waits.down = true;
    await expect(runWorkflow(h.deps, message)).rejects.toThrow('SQS unavailable');
    h.waits.down = false;

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome.status).toBe('Waiting');
    expect(h.waits.sent.map((sent) => sent.wait.message.wait)).toEqual([1]);
  });
});

describe('while a schedule waits, its delivery’s other operations run', () => {
  it('lets a cancel win: the schedule, back from its wait, books nothing', async () => {
    const { h, message, wakeUp } = await waitingSetup();
    await runWorkflow(h.deps, message);
    const cancel: RequestMessage = {
      deliveryId: 'd1',
      operation: 'cancel',
      requestId: 'r-cancel',
      accountId: ACCOUNT,
      correlationId: 'c',
    };
    await runWorkflow(h.deps, cancel);
    h.fake.fleetBooked = undefined;

    const outcome = await runWorkflow(h.deps, wakeUp());

    expect(outcome).toEqual({
      status: 'Unchanged',
      reason: 'the delivery became Cancelled while it waited for a drone',
    });
    expect(h.fake.callsTo('PUT', /^\/drones\//)).toHaveLength(1);
    expect(h.fake.reserved()).toEqual({ packages: [], assignments: [] });
    expect(h.fake.events.map((event) => event.detailType)).toEqual(['DeliveryCancelled']);
  });

  it('lets a reschedule that finds a drone schedule the delivery; the schedule then ends', async () => {
    const { h, message, wakeUp } = await waitingSetup();
    await runWorkflow(h.deps, message);
    const later = scheduleRequest({ pickupTime: '2026-12-02T10:00:00Z', deadline: '2026-12-02T12:00:00Z' });
    const current = await h.store.getRequest('d1');
    await h.store.putReschedule(
      {
        deliveryId: 'd1',
        requestId: 'r-later',
        changes: { pickupTime: later.pickupTime, deadline: later.deadline },
        request: later,
        createdAt: NOW.toISOString(),
      },
      current?.updatedAt ?? '',
    );
    h.fake.fleetBooked = undefined;
    const reschedule: RequestMessage = {
      deliveryId: 'd1',
      operation: 'reschedule',
      requestId: 'r-later',
      accountId: ACCOUNT,
      correlationId: 'c',
    };

    expect(await runWorkflow(h.deps, reschedule)).toEqual({ status: 'Completed' });
    const outcome = await runWorkflow(h.deps, wakeUp());

    expect(outcome.status).toBe('Unchanged');
    expect(h.fake.deliveries.get('d1')).toMatchObject({ stage: 'Scheduled', pickupTime: later.pickupTime });
    expect(h.fake.events).toEqual([{ detailType: 'DeliveryCreated', deliveryId: 'd1' }]);
    expect(h.fake.callsTo('PUT', /\/schedule$/)).toEqual([]);
  });

  it('skips a stale copy of an earlier wait, so only one chain of waits lives', async () => {
    const { h, message, wakeUp } = await waitingSetup();
    await runWorkflow(h.deps, message);
    const first = wakeUp();
    await runWorkflow(h.deps, first);
    h.fake.calls.length = 0;

    const outcome = await runWorkflow(h.deps, first);

    expect(outcome).toEqual({ status: 'Skipped' });
    expect(h.fake.calls).toEqual([]);
    expect(h.waits.sent).toHaveLength(2);
  });
});
