import { describe, expect, it } from 'vitest';
import { FAST_RESILIENCE, harness, scheduleRequest } from '../test-support/harness.ts';
import { superviseDeadRequest } from './supervisor.ts';
import { runWorkflow } from './workflow.ts';

// docs/architecture.md §5.4: a call that timed out on the caller's side may have taken effect all
// the same. Compensation undoes every step that was attempted, checkpointed or not, and the
// supervisor, which cannot know how far a dead run got, undoes all of them.

/** The callee applies the call but answers after the caller has given up: a short timeout makes that quick. */
const QUICK_TIMEOUT = { ...FAST_RESILIENCE, timeoutMs: 25 };

describe('a step whose outcome is unknown', () => {
  it('releases an assignment that timed out on the caller’s side but was booked, when the schedule then fails', async () => {
    const h = harness({ resilience: QUICK_TIMEOUT });
    const message = await h.ingest('d1');
    h.fake.hangAfterApplying('PUT', /^\/drones\/assignments\//);
    h.fake.failNext('PUT', /^\/drones\/assignments\//, 400);

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome).toEqual({ status: 'Failed', reason: 'InvalidRequest' });
    expect(h.fake.callsTo('DELETE', /^\/drones\/assignments\/d1$/)).toHaveLength(1);
    expect(h.fake.reserved()).toEqual({ packages: [], assignments: [] });
    expect(h.store.saved.find((checkpoint) => checkpoint.status === 'Compensating')).toMatchObject({
      steps: { create: {}, accounts: {}, package: {} },
      undo: ['releaseDrone', 'cancelPackage'],
    });
  });

  it('cancels a package whose creation timed out on the caller’s side, when a retry is refused', async () => {
    const h = harness({ resilience: QUICK_TIMEOUT });
    const message = await h.ingest('d1');
    h.fake.hangAfterApplying('PUT', /^\/packages\//);
    h.fake.failNext('PUT', /^\/packages\//, 422);

    const outcome = await runWorkflow(h.deps, message);

    expect(outcome).toEqual({ status: 'Failed', reason: 'PackageRejected' });
    expect(h.fake.packages.get('d1')?.status).toBe('Cancelled');
    expect(h.fake.callsTo('DELETE', /^\/drones\//)).toEqual([]);
  });

  it('still releases the attempted assignment when its compensation is resumed by another invocation', async () => {
    const h = harness({ resilience: QUICK_TIMEOUT });
    const message = await h.ingest('d1');
    h.fake.hangAfterApplying('PUT', /^\/drones\/assignments\//);
    h.fake.failNext('PUT', /^\/drones\/assignments\//, 400);
    h.fake.failNext('DELETE', /^\/drones\/assignments\//, 503, FAST_RESILIENCE.retry.maxAttempts);
    await expect(runWorkflow(h.deps, message)).rejects.toMatchObject({ transient: true });
    expect(h.fake.reserved().assignments).toEqual(['d1']);
    // Another execution environment: its own breakers, and no memory of what was attempted.
    const other = harness({ fake: h.fake, resilience: QUICK_TIMEOUT });

    const outcome = await runWorkflow({ ...h.deps, services: other.deps.services }, message);

    expect(outcome).toEqual({ status: 'Failed', reason: 'InvalidRequest' });
    expect(h.fake.reserved()).toEqual({ packages: [], assignments: [] });
  });

  it('is released by the supervisor when every attempt timed out and nothing was checkpointed', async () => {
    const h = harness({ resilience: QUICK_TIMEOUT });
    const message = await h.ingest('d1');
    h.fake.hangAfterApplying('PUT', /^\/drones\/assignments\//, FAST_RESILIENCE.retry.maxAttempts);
    await expect(runWorkflow(h.deps, message)).rejects.toMatchObject({ transient: true });
    expect(h.store.saved.at(-1)?.steps).not.toHaveProperty('drone');
    expect(h.fake.reserved()).toEqual({ packages: ['d1'], assignments: ['d1'] });

    const outcome = await superviseDeadRequest(h.deps, message);

    expect(outcome).toEqual({ status: 'Failed', reason: 'RetriesExhausted' });
    expect(h.fake.reserved()).toEqual({ packages: [], assignments: [] });
  });
});

describe('the supervisor', () => {
  it('finishes a dead schedule whose delivery was scheduled, undoing nothing', async () => {
    const h = harness({ resilience: QUICK_TIMEOUT });
    const message = await h.ingest('d1');
    h.fake.hangAfterApplying('PUT', /\/schedule$/, FAST_RESILIENCE.retry.maxAttempts);
    await expect(runWorkflow(h.deps, message)).rejects.toMatchObject({ transient: true });
    expect(h.fake.deliveries.get('d1')?.stage).toBe('Scheduled');
    h.fake.calls.length = 0;

    const outcome = await superviseDeadRequest(h.deps, message);

    expect(outcome).toEqual({ status: 'Unchanged', reason: 'delivery Scheduled' });
    expect(h.fake.calls).toEqual(['GET /deliveries/d1']);
    expect(h.fake.reserved()).toEqual({ packages: ['d1'], assignments: ['d1'] });
    expect(h.fake.events).toEqual([{ detailType: 'DeliveryCreated', deliveryId: 'd1' }]);
  });

  it('finishes a dead schedule whose drone took off for a booking it never heard of, undoing nothing', async () => {
    const h = harness({ resilience: QUICK_TIMEOUT });
    const message = await h.ingest('d1');
    h.fake.hangAfterApplying('PUT', /^\/drones\/assignments\//, FAST_RESILIENCE.retry.maxAttempts);
    await expect(runWorkflow(h.deps, message)).rejects.toMatchObject({ transient: true });
    // The booking's departure came: the drone flies with the package while the request is dead.
    const drone = h.fake.drones.find((candidate) => candidate.deliveryId === 'd1');
    if (!drone) throw new Error('the drone was not booked');
    drone.inFlight = true;
    h.fake.calls.length = 0;

    const outcome = await superviseDeadRequest(h.deps, message);

    expect(outcome).toEqual({ status: 'Completed', reason: 'drone in flight' });
    expect(h.fake.calls).toEqual([
      'GET /deliveries/d1',
      'DELETE /drones/assignments/d1',
      'PUT /drones/assignments/d1',
      'PUT /deliveries/d1/schedule',
    ]);
    expect(h.fake.deliveries.get('d1')).toMatchObject({ stage: 'Scheduled', droneId: drone.droneId });
    expect(h.fake.reserved()).toEqual({ packages: ['d1'], assignments: ['d1'] });
    expect(h.fake.events.map((event) => event.detailType)).not.toContain('DeliveryFailed');
    expect(h.store.saved.at(-1)).toMatchObject({
      status: 'Completed',
      steps: { drone: { droneId: drone.droneId } },
    });
  });

  it('undoes every reservation of a dead reschedule, as a dead request of any operation', async () => {
    const h = harness();
    await runWorkflow(h.deps, await h.ingest('d1', scheduleRequest()));
    h.fake.calls.length = 0;

    const outcome = await superviseDeadRequest(h.deps, {
      deliveryId: 'd1',
      operation: 'reschedule',
      requestId: 'r-dead',
      accountId: 'acct-1',
      correlationId: 'c',
    });

    expect(outcome).toEqual({ status: 'Failed', reason: 'RetriesExhausted' });
    expect(h.fake.reserved()).toEqual({ packages: [], assignments: [] });
  });
});
