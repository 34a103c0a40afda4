import { logger } from '../../../shared/observability.ts';
import type { RequestMessage } from './messages.ts';
import { isRefusal } from './services.ts';
import { runWorkflow } from './workflow.ts';
import { compensateAndFail } from './workflow-compensation.ts';
import { bookDrone } from './workflow-drone.ts';
import { ALL_COMPENSATIONS, type WorkflowDeps, type WorkflowOutcome, WorkflowRun } from './workflow-run.ts';
import { createDelivery } from './workflow-schedule.ts';

// The supervisor (docs/architecture.md §5.5): a request in the dead-letter queue has used up its retries.
// Undo every reservation it may have made and end the delivery as Failed (RetriesExhausted), so
// nothing stays reserved for a delivery that will never be scheduled. It cannot know how far the
// dead run got (a call may have taken effect after its caller gave up), so it undoes all of them:
// the DELETEs are idempotent and harmless where nothing was done. Idempotent: a finished workflow
// is left alone. Transient failures are thrown so the DLQ message is retried later.

const IN_FLIGHT_OR_COMPLETED = new Set(['InTransit', 'Completed']);
const ALREADY_ENDED = new Set(['Cancelled', 'Failed']);
const SCHEDULED = new Set(['Scheduled', 'Rescheduled']);

/** Settles a dead request: compensates and fails it, or finishes a dead cancel. */
export async function superviseDeadRequest(
  deps: WorkflowDeps,
  message: RequestMessage,
): Promise<WorkflowOutcome> {
  // The dead request is settled here, never by the sweeper: a marker left by a workflow that
  // could not even clear it must not bring the message back.
  await deps.store.markStarted(message.deliveryId, message.operation, message.requestId);
  const run = await WorkflowRun.load(deps, message);
  if (run.finished) {
    logger.info('dead request already settled', {
      deliveryId: message.deliveryId,
      operation: message.operation,
      status: run.checkpoint.status,
    });
    return { status: 'Skipped' };
  }
  if (message.wait !== undefined && run.checkpoint.wait?.attempts !== message.wait) {
    // A stale copy of a waiting schedule (see runWorkflow): the live wait is not this message's.
    logger.info('stale copy of a waiting schedule left alone', { deliveryId: message.deliveryId });
    return { status: 'Skipped' };
  }
  if (message.operation === 'cancel') return settleCancel(deps, message);
  if (message.operation === 'reschedule' && 'reschedule' in run.checkpoint.steps) {
    // The Delivery service took the new plan: only recording it here was left, so finish it.
    logger.warn('dead reschedule already served; finishing it', { deliveryId: message.deliveryId });
    return runWorkflow(deps, message);
  }
  // A compensation already under way keeps its own (more precise) reason.
  if (run.checkpoint.status === 'Compensating' && run.checkpoint.failure && !run.supervised) {
    return compensateAndFail(run, run.checkpoint.failure, ALL_COMPENSATIONS);
  }

  let stage = await deliveryStage(deps, message.deliveryId);
  if (stage === undefined && message.operation === 'schedule') {
    // The schedule died before its first step: create the delivery so that it can end Failed where
    // its owner reads it (until then its GET answers Requested from the stored request).
    const record = await deps.store.getRequest(message.deliveryId);
    if (record) stage = await createDelivery(run, record);
  }
  if (message.operation === 'schedule' && stage !== undefined && SCHEDULED.has(stage)) {
    // The delivery has its drone (its last step took effect, or a reschedule served while it
    // waited scheduled it): the request did what it was for, and nothing is undone.
    logger.warn('dead schedule found its delivery scheduled; finishing it', {
      deliveryId: message.deliveryId,
      stage,
    });
    await run.finish('Completed', `delivery ${stage}`);
    return { status: 'Unchanged', reason: `delivery ${stage}` };
  }
  if (stage !== undefined && IN_FLIGHT_OR_COMPLETED.has(stage)) {
    // The delivery went ahead anyway (e.g. a dead reschedule of a delivery since picked up): its
    // drone and package are in use, so there is nothing to undo.
    logger.warn('dead request abandoned: the delivery is in flight or completed', {
      deliveryId: message.deliveryId,
      operation: message.operation,
      stage,
    });
    await run.finish('Failed', `abandoned: delivery ${stage}`);
    return { status: 'Unchanged', reason: `delivery ${stage}` };
  }
  logger.error('request exhausted its retries; compensating and failing the delivery', {
    deliveryId: message.deliveryId,
    operation: message.operation,
    stepsDone: Object.keys(run.checkpoint.steps),
    reason: 'RetriesExhausted',
  });
  // The run is taken over before anything is undone: a copy of the message still running the
  // workflow (SQS delivers at least once) can no longer save a step or finish, so it cannot end
  // the delivery Scheduled with a drone released here; a reservation it makes meanwhile it undoes
  // itself (WorkflowRun.step).
  if (!run.supervised) {
    await run.save({
      status: 'Compensating',
      failure: {
        reason: 'RetriesExhausted',
        detail: `The ${message.operation} request could not be completed after repeated attempts.`,
        // A delivery that is already Cancelled or Failed (or unknown) keeps its state.
        markDelivery: stage !== undefined && !ALREADY_ENDED.has(stage),
      },
      undo: [...ALL_COMPENSATIONS],
    });
  }
  if (message.operation === 'schedule' && stage === 'Requested') {
    // The drone may have taken off for a booking whose answer the dead run never saw. Releasing it
    // first decides the race: once released it can no longer fly for the delivery, and a refused
    // release means the package is aboard, so the schedule took effect and is finished, not undone.
    const flown = await finishIfFlown(run);
    if (flown) return flown;
  }
  const failure = run.checkpoint.failure;
  if (!failure) throw new Error(`no failure recorded for the compensation of ${message.deliveryId}`);
  return compensateAndFail(run, failure, ALL_COMPENSATIONS);
}

/**
 * Releases the dead schedule's drone; when the Drone service refuses (409: the package is aboard),
 * records the booking it flies and schedules the delivery with it, so the flight it already
 * reported is applied (docs/architecture.md §5.5). Undefined when the release went through.
 */
async function finishIfFlown(run: WorkflowRun): Promise<WorkflowOutcome | undefined> {
  const { services, store } = run.deps;
  const { deliveryId } = run.message;
  try {
    // Recorded as the compensation it is, so the failure that follows does not release twice.
    await run.compensate('releaseDrone', async () => {
      await services.releaseDrone(deliveryId);
    });
    return undefined;
  } catch (error) {
    if (!isRefusal(error, 409)) throw error;
  }
  const record = await store.getRequest(deliveryId);
  if (!record) throw new Error(`no stored request for delivery ${deliveryId}`);
  logger.warn('dead schedule found its drone in flight; finishing the schedule', { deliveryId });
  const assignment = await bookDrone(run, record.request);
  try {
    await run.step('delivery', async () => {
      const delivery = await services.scheduleDelivery(deliveryId, assignment);
      return { stage: delivery.stage };
    });
  } catch (error) {
    if (!isRefusal(error, 409)) throw error;
    // Moved on meanwhile (its flight already applied, or ended): nothing is left to do.
    await run.finish('Completed', 'delivery moved on');
    return { status: 'Unchanged', reason: 'delivery moved on' };
  }
  await run.finish('Completed', 'drone in flight');
  return { status: 'Completed', reason: 'drone in flight' };
}

/** A dead cancel is finished rather than undone: its steps are idempotent, so it simply runs again. */
async function settleCancel(deps: WorkflowDeps, message: RequestMessage): Promise<WorkflowOutcome> {
  logger.error('cancel exhausted its retries; finishing it', {
    deliveryId: message.deliveryId,
    reason: 'RetriesExhausted',
  });
  return runWorkflow(deps, message);
}

async function deliveryStage(deps: WorkflowDeps, deliveryId: string): Promise<string | undefined> {
  try {
    return (await deps.services.getDelivery(deliveryId)).stage;
  } catch (error) {
    if (isRefusal(error, 404)) return undefined;
    throw error;
  }
}
