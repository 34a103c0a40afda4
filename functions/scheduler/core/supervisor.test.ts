import { describe, expect, it } from 'vitest';
import { ACCOUNT, harness } from '../test-support/harness.ts';
import type { RequestMessage } from './messages.ts';
import { ConcurrentUpdateError } from './store.ts';
import { superviseDeadRequest } from './supervisor.ts';
import { runWorkflow } from './workflow.ts';
import { assignmentBody } from './workflow-drone.ts';
import { WorkflowRun } from './workflow-run.ts';

/** A schedule whose last step kept failing: drone and package reserved, delivery still Requested. */
async function deadAfterDroneStep() {
  const h = harness();
  const message = await h.ingest('d1');
  h.fake.failNext('PUT', /\/schedule$/, 503, 4);
  await expect(runWorkflow(h.deps, message)).rejects.toThrow();
  h.fake.calls.length = 0;
  return { h, message };
}

describe('supervisor', () => {
  it('compensates what the checkpoint says was done, in reverse, and fails the delivery with RetriesExhausted', async () => {
    const { h, message } = await deadAfterDroneStep();

    const outcome = await superviseDeadRequest(h.deps, message);

    expect(outcome).toEqual({ status: 'Failed', reason: 'RetriesExhausted' });
    expect(h.fake.calls).toEqual([
      'GET /deliveries/d1',
      'DELETE /drones/assignments/d1',
      'DELETE /packages/d1',
      'PUT /deliveries/d1/failure',
    ]);
    expect(h.fake.reserved()).toEqual({ packages: [], assignments: [] });
    expect(h.fake.events).toEqual([
      { detailType: 'DeliveryFailed', deliveryId: 'd1', reason: 'RetriesExhausted' },
    ]);
    expect(h.store.saved.at(-1)).toMatchObject({ status: 'Failed', failure: { reason: 'RetriesExhausted' } });
  });

  it('creates a delivery that died before its first step, so that it ends Failed where its owner reads it', async () => {
    const h = harness();
    const message = await h.ingest('d1');

    const outcome = await superviseDeadRequest(h.deps, message);

    expect(outcome).toEqual({ status: 'Failed', reason: 'RetriesExhausted' });
    expect(h.fake.calls).toEqual([
      'GET /deliveries/d1',
      'PUT /deliveries/d1',
      // It cannot know how far the dead run got: every undo is called, harmless where nothing was done.
      'DELETE /drones/assignments/d1',
      'DELETE /packages/d1',
      'PUT /deliveries/d1/failure',
    ]);
    expect(h.fake.deliveries.get('d1')).toMatchObject({ stage: 'Failed', failureReason: 'RetriesExhausted' });
    expect(h.fake.reserved()).toEqual({ packages: [], assignments: [] });
  });

  it("takes a dead request out of the sweeper's index, so it is never sent again", async () => {
    const h = harness();
    const message = await h.ingest('d1');

    await superviseDeadRequest(h.deps, message);

    expect(await h.store.findUnstarted('9999-12-31T00:00:00.000Z', 10)).toEqual([]);
  });

  it('is idempotent: a dead request supervised twice is settled once', async () => {
    const { h, message } = await deadAfterDroneStep();
    await superviseDeadRequest(h.deps, message);
    h.fake.calls.length = 0;

    const second = await superviseDeadRequest(h.deps, message);

    expect(second).toEqual({ status: 'Skipped' });
    expect(h.fake.calls).toEqual([]);
    expect(h.fake.events).toHaveLength(1);
  });

  it('throws while the downstreams still fail, so the dead message is retried later', async () => {
    const { h, message } = await deadAfterDroneStep();
    h.fake.failNext('DELETE', /^\/drones\//, 503, 4);

    await expect(superviseDeadRequest(h.deps, message)).rejects.toMatchObject({ transient: true });

    // Taken over, nothing undone yet: the next delivery of the dead message starts over from the release.
    expect(h.store.saved.at(-1)).toMatchObject({ status: 'Compensating', compensated: [] });
    expect(h.fake.deliveries.get('d1')?.stage).toBe('Requested');
    expect(h.fake.reserved()).toEqual({ packages: ['d1'], assignments: ['d1'] });

    const outcome = await superviseDeadRequest(h.deps, message);

    expect(outcome).toEqual({ status: 'Failed', reason: 'RetriesExhausted' });
    expect(h.fake.reserved()).toEqual({ packages: [], assignments: [] });
  });

  it('takes the run over before undoing anything: a copy of the message still running leaves it to the supervisor', async () => {
    const { h, message } = await deadAfterDroneStep();
    h.fake.failNext('DELETE', /^\/drones\//, 503, 4);
    await expect(superviseDeadRequest(h.deps, message)).rejects.toMatchObject({ transient: true });
    h.fake.calls.length = 0;

    const copy = await runWorkflow(h.deps, message);

    expect(copy).toEqual({ status: 'Skipped' });
    expect(h.fake.calls).toEqual([]);
    expect(h.fake.deliveries.get('d1')?.stage).toBe('Requested');
  });

  it('undoes a reservation that a copy of the message made after the supervisor had released it', async () => {
    const h = harness();
    const message = await h.ingest('d1');
    // A copy of the message is running the workflow: its checkpoint read, its drone call still to come.
    const copy = await WorkflowRun.load(h.deps, message);
    const request = (await h.store.getRequest('d1'))?.request;
    if (!request) throw new Error('no stored request');
    // Meanwhile the dead copy is settled: everything released, the delivery Failed.
    await superviseDeadRequest(h.deps, message);

    const late = copy.step('drone', () => h.deps.services.assignDrone('d1', assignmentBody(request)));

    await expect(late).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect(h.fake.reserved()).toEqual({ packages: [], assignments: [] });
    expect(h.fake.deliveries.get('d1')).toMatchObject({ stage: 'Failed', failureReason: 'RetriesExhausted' });
  });

  it('keeps the reason of a compensation that was already under way', async () => {
    const h = harness();
    h.fake.accounts.set(ACCOUNT, { accountId: ACCOUNT, name: 'Acme', status: 'Suspended' });
    const message = await h.ingest('d1');
    h.fake.failNext('PUT', /\/failure$/, 503, 4);
    await expect(runWorkflow(h.deps, message)).rejects.toThrow();

    const outcome = await superviseDeadRequest(h.deps, message);

    expect(outcome).toEqual({ status: 'Failed', reason: 'AccountSuspended' });
  });

  it('leaves a delivery that went ahead in flight untouched', async () => {
    const { h, message } = await deadAfterDroneStep();
    const delivery = h.fake.deliveries.get('d1');
    if (delivery) delivery.stage = 'InTransit';

    const outcome = await superviseDeadRequest(h.deps, message);

    expect(outcome.status).toBe('Unchanged');
    expect(h.fake.calls).toEqual(['GET /deliveries/d1']);
    expect(h.store.saved.at(-1)).toMatchObject({ status: 'Failed' });
  });

  it('releases what a dead request reserved without failing a delivery already cancelled', async () => {
    const { h, message } = await deadAfterDroneStep();
    const delivery = h.fake.deliveries.get('d1');
    if (delivery) delivery.stage = 'Cancelled';

    await superviseDeadRequest(h.deps, message);

    expect(h.fake.calls).toEqual([
      'GET /deliveries/d1',
      'DELETE /drones/assignments/d1',
      'DELETE /packages/d1',
    ]);
    expect(h.fake.deliveries.get('d1')?.stage).toBe('Cancelled');
  });

  it('finishes a dead cancel: cancels the delivery, releases the drone and cancels the package', async () => {
    const h = harness();
    await runWorkflow(h.deps, await h.ingest('d1'));
    const cancel: RequestMessage = {
      deliveryId: 'd1',
      operation: 'cancel',
      requestId: 'r9',
      accountId: ACCOUNT,
      correlationId: 'c9',
    };
    h.fake.failNext('DELETE', /^\/drones\//, 503, 4);
    await expect(runWorkflow(h.deps, cancel)).rejects.toThrow();

    const outcome = await superviseDeadRequest(h.deps, cancel);

    expect(outcome.status).toBe('Completed');
    expect(h.fake.deliveries.get('d1')?.stage).toBe('Cancelled');
    expect(h.fake.reserved()).toEqual({ packages: [], assignments: [] });
  });
});
