import * as z from 'zod';
import { logger } from '../../../shared/observability.ts';
import type { ScheduleDeliveryRequest } from '../schemas.ts';
import { MAX_DELAY_SECONDS, type WaitQueue } from './messages.ts';
import { isRefusal, type PackageBody } from './services.ts';
import { SCHEDULER_RESILIENCE, waitDelaySeconds } from './settings.ts';
import { FINAL } from './stages.ts';
import type { RequestRecord } from './store.ts';
import { type AssignmentResult, bookDrone, type NoDroneRefusal, noDroneRefusal } from './workflow-drone.ts';
import { WorkflowFailure, type WorkflowOutcome, type WorkflowRun } from './workflow-run.ts';

// The schedule run (docs/architecture.md §5.2–§5.4): creates the delivery, checks the account,
// reserves the package and books a drone, or waits for one (§5 4a), then schedules the delivery.

const CreateResult = z.object({ stage: z.string() });

/**
 * The schedule's first step: the Delivery service creates the delivery as Requested (an idempotent
 * PUT; an existing delivery comes back unchanged). It used to be the ingest's call; here a slow or
 * failing Delivery service only delays the workflow, which retries, instead of failing the client.
 */
export async function createDelivery(run: WorkflowRun, record: RequestRecord): Promise<string> {
  const created = await run.step('create', async () => {
    const delivery = await run.deps.services.createDelivery(record.deliveryId, {
      ...record.request,
      accountId: record.accountId,
    });
    return { stage: delivery.stage };
  });
  return CreateResult.parse(created).stage;
}

export async function runSchedule(run: WorkflowRun): Promise<WorkflowOutcome> {
  const { services, store } = run.deps;
  const { deliveryId, accountId } = run.message;
  const record = await store.getRequest(deliveryId);
  if (!record) throw new Error(`no stored request for delivery ${deliveryId}`);
  const { request } = record;

  const stage = await createDelivery(run, record);
  if (FINAL.has(stage)) {
    // Cancelled (or failed) before its schedule ran, e.g. a schedule message sent again by the
    // sweeper after the client's cancel: reserving a package and a drone now would only be undone.
    logger.warn('schedule refused: the delivery has already ended; nothing reserved', { deliveryId, stage });
    const why = `the delivery is already ${stage}`;
    await run.finish('Completed', why);
    return { status: 'Unchanged', reason: why };
  }
  if (run.checkpoint.wait) {
    // Back from a wait, during which the delivery's group went on: a cancel (which released what
    // was reserved) or a served reschedule (which booked the drone) may have run meanwhile.
    const current = (await services.getDelivery(deliveryId)).stage;
    if (current !== 'Requested') return movedOnWhileWaiting(run, current);
  }

  await run.step('accounts', async () => {
    const account = await services.getAccount(accountId);
    if (account.status === 'Suspended') {
      throw new WorkflowFailure('AccountSuspended', `Account ${accountId} is suspended.`);
    }
    return { status: account.status };
  });
  await run.step('package', async () => {
    const stored = await services.putPackage(deliveryId, packageBody(accountId, request));
    return { status: stored.status };
  });
  let assignment: AssignmentResult;
  try {
    assignment = await bookDrone(run, request);
  } catch (error) {
    const refusal = noDroneRefusal(error);
    if (!refusal) throw error;
    const { latestDeparture } = refusal;
    if (run.deps.waits && latestDeparture !== undefined) {
      const secondsLeft = (latestDeparture - run.deps.now().getTime()) / 1000;
      const minimum = SCHEDULER_RESILIENCE.waiting.minDelaySeconds;
      if (secondsLeft >= minimum) return waitForDrone(run, { ...refusal, latestDeparture }, run.deps.waits);
    }
    const waited = run.checkpoint.wait;
    // Waiting cannot help (no drone could meet the deadline whenever it left), or the latest
    // departure that could has passed: the request really had no drone for its window.
    throw new WorkflowFailure(
      'NoDroneAvailable',
      waited
        ? `${refusal.detail} Waited for a drone ${waited.attempts} times since ${waited.since}.`
        : refusal.detail,
    );
  }
  try {
    await run.step('delivery', async () => {
      const delivery = await services.scheduleDelivery(deliveryId, assignment);
      return { stage: delivery.stage };
    });
  } catch (error) {
    if (isRefusal(error, 409)) {
      // The delivery moved on (cancelled or failed by someone else) while it was being scheduled.
      throw new WorkflowFailure('InvalidRequest', 'The delivery can no longer be scheduled.', false);
    }
    throw error;
  }
  await run.finish('Completed');
  const waited = run.checkpoint.wait;
  logger.info('delivery scheduled', {
    deliveryId,
    droneId: assignment.droneId,
    ...(waited
      ? {
          waits: waited.attempts,
          waitedMs: run.deps.now().getTime() - Date.parse(waited.since),
        }
      : {}),
  });
  return { status: 'Completed' };
}

/**
 * No drone is free for the window yet, but one leaving later could still meet the deadline
 * (docs/architecture.md §5 4a): the delivery stays Requested and is told it waits, and this
 * schedule goes to the waits queue, delayed by the backoff (never past the latest departure). The
 * current queue message then completes: the wait holds no invocation and does not block the
 * delivery's FIFO group (a cancel or a reschedule runs meanwhile), and every wait starts with a
 * fresh receive count. The wait is checkpointed last, after the send: a crash before it leaves the
 * current message to be redelivered, which then counts as the same wait again.
 */
async function waitForDrone(
  run: WorkflowRun,
  refusal: NoDroneRefusal & { latestDeparture: number },
  waits: WaitQueue,
): Promise<WorkflowOutcome> {
  const { services, now, random } = run.deps;
  const { deliveryId } = run.message;
  const at = now();
  const previous = run.checkpoint.wait;
  const attempts = (previous?.attempts ?? 0) + 1;
  const until = new Date(refusal.latestDeparture).toISOString();
  const secondsLeft = Math.min((refusal.latestDeparture - at.getTime()) / 1000, MAX_DELAY_SECONDS);
  const freeAt = refusal.retryAt === undefined ? Number.NaN : Date.parse(refusal.retryAt);
  const secondsUntilFree = Number.isFinite(freeAt) ? (freeAt - at.getTime()) / 1000 : undefined;
  const delaySeconds = waitDelaySeconds(
    attempts,
    secondsLeft,
    random,
    SCHEDULER_RESILIENCE.waiting,
    secondsUntilFree,
  );
  const nextAttemptAt = new Date(at.getTime() + delaySeconds * 1000).toISOString();
  if (previous?.until !== until) {
    try {
      await services.markWaiting(deliveryId, { for: 'drone', until });
    } catch (error) {
      if (!isRefusal(error, 409)) throw error;
      // No longer Requested: it has moved on, and must not wait.
      return movedOnWhileWaiting(run, (await services.getDelivery(deliveryId)).stage);
    }
  }
  const { wait: _previousWait, ...message } = run.message;
  await waits.send(
    { message: { ...message, operation: 'schedule', wait: attempts }, dueAt: nextAttemptAt },
    delaySeconds,
  );
  await run.save({
    wait: {
      attempts,
      since: previous?.since ?? at.toISOString(),
      until,
      nextAttemptAt,
      ...(refusal.retryAt === undefined ? {} : { retryAt: refusal.retryAt }),
    },
  });
  logger.info('no drone free for the window yet; the request waits', {
    deliveryId,
    wait: attempts,
    delaySeconds,
    until,
    retryAt: refusal.retryAt,
  });
  return { status: 'Waiting', reason: `until ${until}` };
}

/**
 * A waiting schedule whose delivery is no longer Requested: cancelled (the cancel released what was
 * reserved), failed, or scheduled by a reschedule served while it waited (which booked the drone).
 * Nothing is left for this schedule to do or undo.
 */
async function movedOnWhileWaiting(run: WorkflowRun, stage: string): Promise<WorkflowOutcome> {
  const why = `the delivery became ${stage} while it waited for a drone`;
  logger.info('waiting schedule ended: the delivery moved on meanwhile', {
    deliveryId: run.message.deliveryId,
    stage,
  });
  await run.finish('Completed', why);
  return { status: 'Unchanged', reason: why };
}

function packageBody(accountId: string, request: ScheduleDeliveryRequest): PackageBody {
  return { accountId, ...request.package };
}
