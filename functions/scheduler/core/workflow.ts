import * as z from 'zod';
import type { FailureReason } from '../../../events/schemas.ts';
import { DownstreamError, isTransient } from '../../../shared/errors.ts';
import { logger } from '../../../shared/observability.ts';
import { DELIVERY_REQUEST_FIELDS, deadlineAfterPickup, type ScheduleDeliveryRequest } from '../schemas.ts';
import { MAX_DELAY_SECONDS, type RequestMessage, type WaitQueue } from './messages.ts';
import {
  type AssignmentBody,
  isRefusal,
  type PackageBody,
  type RescheduleRejectionBody,
  type SchedulerServices,
} from './services.ts';
import { SCHEDULER_RESILIENCE, waitDelaySeconds } from './settings.ts';
import { FINAL, FINAL_OR_IN_FLIGHT } from './stages.ts';
import type {
  Checkpoint,
  CompensationName,
  KnownStage,
  RequestRecord,
  RescheduleRecord,
  SchedulerStore,
  StepName,
} from './store.ts';

// The Scheduler Agent (docs/architecture.md §5.2–§5.6): runs one queued operation as a sequence of
// idempotent internal API calls, checkpointing each so a redelivered message resumes where the
// last attempt stopped. Transient failures are thrown (SQS redelivers); non-transient ones are
// compensated in reverse and end the delivery as Failed.

/** What the workflow needs: its store, the downstream calls, a clock, and where a schedule waits. */
export interface WorkflowDeps {
  store: SchedulerStore;
  services: SchedulerServices;
  now: () => Date;
  /** Where a schedule with no drone free yet waits; without it (the supervisor) nothing waits. */
  waits?: WaitQueue | undefined;
  /** The jitter of the waits' backoff; Math.random unless a test fixes it. */
  random?: (() => number) | undefined;
}

/**
 * How a run ended: done, failed (compensated), unchanged (refused by the delivery's state), skipped
 * (already finished, or a stale copy), waiting (for a drone, on the waits queue), or rejected (a
 * reschedule that cannot be served, told to the Delivery service; the delivery kept as it was).
 */
export interface WorkflowOutcome {
  status: 'Completed' | 'Failed' | 'Unchanged' | 'Skipped' | 'Waiting' | 'Rejected';
  reason?: string;
}

/** A failure that retrying cannot fix: the workflow compensates and fails the delivery with `reason`. */
export class WorkflowFailure extends Error {
  override readonly name = 'WorkflowFailure';
  constructor(
    readonly reason: FailureReason,
    detail: string,
    readonly markDelivery = true,
  ) {
    super(detail);
  }
}

/** Why the cancel workflow tells the Delivery service a delivery is cancelled. */
export const CANCEL_REASON = 'CancelledByClient';

const AssignmentResult = z.object({ droneId: z.string(), pickupEta: z.string(), deliveryEta: z.string() });
type AssignmentResult = z.infer<typeof AssignmentResult>;
const CreateResult = z.object({ stage: z.string() });
/**
 * A reschedule's plan, fixed by its first attempt: the change applied to the plan current then,
 * and the delivery's stage then. Its deadline rule is checked apart: a plan that breaks it is refused.
 */
const PlanResult = z.object({ request: z.object(DELIVERY_REQUEST_FIELDS), stage: z.string() });

/** Everything the workflow may have to undo, latest reservation first. */
export const ALL_COMPENSATIONS: readonly CompensationName[] = ['releaseDrone', 'cancelPackage'];

/** Runs (or resumes) the operation a queue message asks for. Throws on transient failures. */
export async function runWorkflow(deps: WorkflowDeps, message: RequestMessage): Promise<WorkflowOutcome> {
  // First of all, on every receive: the queue now holds this operation (and redelivers it, or its
  // DLQ does), so the sweeper must stop sending it again. Idempotent and cheap when already done.
  await deps.store.markStarted(message.deliveryId, message.operation, message.requestId);
  const run = await WorkflowRun.load(deps, message);
  if (run.finished) {
    logger.info('workflow already finished; redelivered message skipped', {
      deliveryId: message.deliveryId,
      operation: message.operation,
      status: run.checkpoint.status,
    });
    return { status: 'Skipped' };
  }
  if (message.wait !== undefined && run.checkpoint.wait?.attempts !== message.wait) {
    // Only the message of the latest wait resumes the schedule: this copy was overtaken (sent
    // twice, or the run that sent it was retried and waited again), and running it would start a
    // second chain of waits.
    logger.info('stale copy of a waiting schedule skipped', {
      deliveryId: message.deliveryId,
      wait: message.wait,
      latestWait: run.checkpoint.wait?.attempts,
    });
    return { status: 'Skipped' };
  }
  if (run.checkpoint.status === 'Compensating' && run.checkpoint.failure) {
    return compensateAndFail(run, run.checkpoint.failure);
  }
  try {
    switch (message.operation) {
      case 'schedule':
        return await runSchedule(run);
      case 'reschedule':
        return await runReschedule(run);
      case 'cancel':
        return await runCancel(run);
    }
  } catch (error) {
    const failure = nonTransientFailure(error);
    if (!failure) throw error;
    if (message.operation === 'reschedule') {
      // A refusal the reschedule did not foresee: told as such, and the delivery kept as it is.
      const reschedule = await deps.store.getReschedule(message.deliveryId, message.requestId);
      if (!reschedule) throw error;
      return rejectReschedule(run, reschedule, 'InvalidRequest', failure.message);
    }
    logger.warn('workflow failed for good; compensating', {
      deliveryId: message.deliveryId,
      operation: message.operation,
      reason: failure.reason,
      detail: failure.message,
    });
    return compensateAndFail(run, {
      reason: failure.reason,
      detail: failure.message,
      markDelivery: failure.markDelivery,
    });
  }
}

/**
 * The drone step that schedule and reschedule share: books (or re-books) a drone for the plan.
 * The Drone service's PUT is idempotent and replaces the delivery's booking only when it can.
 */
export async function bookDrone(
  run: WorkflowRun,
  request: ScheduleDeliveryRequest,
): Promise<AssignmentResult> {
  const { services } = run.deps;
  const { deliveryId } = run.message;
  return AssignmentResult.parse(
    await run.step('drone', async () => {
      const { droneId, pickupEta, deliveryEta } = await services.assignDrone(
        deliveryId,
        assignmentBody(request),
      );
      return { droneId, pickupEta, deliveryEta };
    }),
  );
}

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

async function runSchedule(run: WorkflowRun): Promise<WorkflowOutcome> {
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

interface NoDroneRefusal {
  detail: string;
  /** The latest departure (epoch ms) from which a drone could still meet the deadline, if any. */
  latestDeparture?: number | undefined;
  retryAt?: string | undefined;
}

/** The Drone service's `422 no-drone-available`, with what it says about waiting, if `error` is one. */
function noDroneRefusal(error: unknown): NoDroneRefusal | undefined {
  if (!isRefusal(error, 422) || error.downstream !== 'drone') return undefined;
  const problem = error.problem ?? {};
  const latest =
    typeof problem.latestDeparture === 'string' ? Date.parse(problem.latestDeparture) : Number.NaN;
  return {
    detail: problem.detail ?? error.message,
    ...(Number.isFinite(latest) ? { latestDeparture: latest } : {}),
    ...(typeof problem.retryAt === 'string' ? { retryAt: problem.retryAt } : {}),
  };
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
  const delaySeconds = waitDelaySeconds(attempts, secondsLeft, random);
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

/**
 * A reschedule is served whole or not at all (docs/architecture.md §3, §5.6): the drone is re-booked
 * for the new plan first (the Drone service keeps the old booking when it refuses), then the
 * Delivery service takes the plan and the drone at once (DeliveryRescheduled), and only then does
 * the plan become the request's current one here. One that cannot be served (an invalid plan, no
 * drone for it) is told to the Delivery service (DeliveryRescheduleRejected) and changes nothing:
 * its refusal is an answer, not a failure, so nothing of the delivery is ever compensated. The
 * package is left as it is: its rule (weight for size) does not depend on times or drop-off.
 */
async function runReschedule(run: WorkflowRun): Promise<WorkflowOutcome> {
  const { services, store } = run.deps;
  const { deliveryId, requestId } = run.message;
  const reschedule = await store.getReschedule(deliveryId, requestId);
  if (!reschedule) throw new Error(`no stored reschedule ${requestId} for delivery ${deliveryId}`);
  const record = await store.getRequest(deliveryId);
  if (!record) throw new Error(`no stored request for delivery ${deliveryId}`);

  // Where the delivery stands, unless the Delivery service already took the plan (then only the
  // last step is left, whatever happened to the delivery since).
  let stage = 'Rescheduled';
  if (!('reschedule' in run.checkpoint.steps)) {
    try {
      stage = (await services.getDelivery(deliveryId)).stage;
    } catch (error) {
      const refusal = refusedChange(error);
      if (refusal) return unchanged(run, refusal.why, refusal.error);
      throw error;
    }
    if (FINAL_OR_IN_FLIGHT.has(stage as KnownStage)) {
      return unchanged(run, `the delivery is already ${stage}`);
    }
    if (stage === 'Requested') await requireReservedSchedule(run, record);
  }
  // The change applies to the plan current when the reschedule first runs: reschedules of one
  // delivery run in order, each on the plan its predecessors left.
  const plan = PlanResult.parse(
    await run.step('plan', async () => ({ request: { ...record.request, ...reschedule.changes }, stage })),
  );
  if (!deadlineAfterPickup(plan.request)) {
    return rejectReschedule(run, reschedule, 'InvalidRequest', 'The deadline must be after the pickup time.');
  }

  let assignment: AssignmentResult;
  try {
    assignment = await bookDrone(run, plan.request);
  } catch (error) {
    if (!(error instanceof DownstreamError) || isTransient(error)) throw error;
    // Refused: the Drone service kept the delivery's booking as it was.
    if (error.statusCode === 409) return unchanged(run, 'its drone has already picked the package up', error);
    const refusal = noDroneRefusal(error);
    if (refusal) return rejectReschedule(run, reschedule, 'NoDroneAvailable', refusal.detail);
    return rejectReschedule(run, reschedule, 'InvalidRequest', error.problem?.detail ?? error.message);
  }

  try {
    await run.step('reschedule', async () => {
      const delivery = await services.rescheduleDelivery(deliveryId, {
        requestId,
        pickupTime: plan.request.pickupTime,
        deadline: plan.request.deadline,
        dropoff: plan.request.dropoff,
        droneId: assignment.droneId,
        pickupEta: assignment.pickupEta,
        deliveryEta: assignment.deliveryEta,
      });
      return { stage: delivery.stage };
    });
  } catch (error) {
    if (!(error instanceof DownstreamError) || isTransient(error)) throw error;
    // The drone was re-booked for a plan the delivery will not take: give the booking back.
    await undoRebooking(run, record.request, plan.stage);
    const refusal = refusedChange(error);
    if (refusal) return unchanged(run, refusal.why, refusal.error);
    return rejectReschedule(run, reschedule, 'InvalidRequest', error.problem?.detail ?? error.message);
  }
  await run.step('apply', async () => {
    await store.applyReschedule(deliveryId, requestId, plan.request);
    return { applied: true };
  });
  await run.finish('Completed');
  logger.info('delivery rescheduled', { deliveryId, droneId: assignment.droneId });
  return { status: 'Completed' };
}

/**
 * A delivery still Requested is rescheduled only once its schedule has checked the account and
 * reserved the package (it waits for a drone): the served plan then makes it Scheduled. Otherwise
 * the schedule has not got that far (it is in the dead-letter queue, where the supervisor settles
 * it): this throws, and the reschedule is retried later, when the delivery has moved on.
 */
async function requireReservedSchedule(run: WorkflowRun, record: RequestRecord): Promise<void> {
  const schedule = await run.deps.store.getCheckpoint(record.deliveryId, 'schedule', record.requestId);
  if (schedule?.status === 'Running' && 'package' in schedule.steps) return;
  throw new Error(
    `the schedule of delivery ${record.deliveryId} has not reserved its package yet; the reschedule is retried`,
  );
}

/**
 * Gives back a booking made for a plan the Delivery service refused: the drone is booked for the
 * plan the delivery keeps again, or, for a delivery still waiting for a drone, released (its
 * schedule books one when it tries again). A refusal of that is logged: the delivery keeps its plan.
 */
async function undoRebooking(run: WorkflowRun, kept: ScheduleDeliveryRequest, stage: string): Promise<void> {
  const { services } = run.deps;
  const { deliveryId } = run.message;
  try {
    if (stage === 'Requested') await services.releaseDrone(deliveryId);
    else await services.assignDrone(deliveryId, assignmentBody(kept));
  } catch (error) {
    if (!(error instanceof DownstreamError) || isTransient(error)) throw error;
    logger.error('could not give back the booking of a refused reschedule', {
      deliveryId,
      stage,
      status: error.statusCode,
      detail: error.problem?.detail,
    });
  }
}

/** Tells the Delivery service the reschedule is refused (DeliveryRescheduleRejected) and ends the run. */
async function rejectReschedule(
  run: WorkflowRun,
  reschedule: RescheduleRecord,
  reason: RescheduleRejectionBody['reason'],
  detail: string,
): Promise<WorkflowOutcome> {
  const { deliveryId, requestId } = run.message;
  try {
    await run.deps.services.rejectReschedule(deliveryId, {
      requestId,
      reason,
      // The Delivery service keeps at most 1000 characters of detail.
      detail: detail.slice(0, 1000),
      change: reschedule.changes,
    });
  } catch (error) {
    const refusal = refusedChange(error);
    if (refusal) return unchanged(run, refusal.why, refusal.error);
    throw error;
  }
  await run.finish('Completed', `rejected: ${reason}`);
  logger.warn('reschedule refused; the delivery keeps its plan', { deliveryId, requestId, reason, detail });
  return { status: 'Rejected', reason };
}

async function runCancel(run: WorkflowRun): Promise<WorkflowOutcome> {
  const { services } = run.deps;
  const { deliveryId } = run.message;
  try {
    await run.step('cancel', async () => {
      const delivery = await services.cancelDelivery(deliveryId, CANCEL_REASON);
      return { stage: delivery.stage };
    });
  } catch (error) {
    const refusal = refusedChange(error);
    if (refusal) return unchanged(run, refusal.why, refusal.error);
    throw error;
  }
  await run.step('releaseDrone', () => releaseDrone(services, deliveryId));
  await run.step('cancelPackage', async () => {
    await services.cancelPackage(deliveryId);
    return { cancelled: true };
  });
  await run.finish('Completed');
  logger.info('delivery cancelled', { deliveryId });
  return { status: 'Completed' };
}

/**
 * Undoes what the workflow did, in reverse, then marks the delivery Failed (unless it already
 * moved on). Each compensation is checkpointed, so a failure midway resumes without repeating.
 */
export async function compensateAndFail(
  run: WorkflowRun,
  failure: NonNullable<Checkpoint['failure']>,
  undo?: readonly CompensationName[],
): Promise<WorkflowOutcome> {
  const { services } = run.deps;
  const { deliveryId } = run.message;
  if (run.checkpoint.status !== 'Compensating') {
    // The plan is fixed here: a compensation resumed by another invocation no longer knows which
    // steps this one attempted.
    await run.save({ status: 'Compensating', failure, undo: [...(undo ?? run.compensationPlan())] });
  }

  for (const compensation of undo ?? run.checkpoint.undo ?? run.compensationPlan()) {
    await run.compensate(compensation, async () => {
      if (compensation === 'releaseDrone') await releaseDrone(services, deliveryId);
      if (compensation === 'cancelPackage') await services.cancelPackage(deliveryId);
    });
  }
  if (failure.markDelivery) {
    await run.compensate('failDelivery', async () => {
      try {
        // The Delivery service keeps at most 1000 characters of detail.
        await services.failDelivery(deliveryId, {
          reason: failure.reason,
          detail: failure.detail.slice(0, 1000),
        });
      } catch (error) {
        if (isRefusal(error, 404)) {
          // The create step never succeeded (only a refusal of it gets here): there is nothing to mark.
          logger.error('delivery unknown to the Delivery service; not marked failed', {
            deliveryId,
            reason: failure.reason,
          });
          return;
        }
        if (!isRefusal(error, 409)) throw error;
        logger.warn('delivery already completed; not marked failed', { deliveryId, reason: failure.reason });
      }
    });
  }
  await run.finish('Failed');
  logger.warn('workflow failed and compensated', {
    deliveryId,
    operation: run.message.operation,
    reason: failure.reason,
  });
  return { status: 'Failed', reason: failure.reason };
}

async function releaseDrone(services: SchedulerServices, deliveryId: string) {
  try {
    return await services.releaseDrone(deliveryId);
  } catch (error) {
    // A drone that has picked the package up cannot be released; the flight finishes as it is.
    if (!isRefusal(error, 409)) throw error;
    logger.warn('drone in flight; not released', { deliveryId });
    return { released: false };
  }
}

/**
 * Why the Delivery service refused a reschedule or cancel for good, if it did: 409 once the
 * delivery is in flight or done; 404 when it never got to create the delivery (its schedule died
 * in the dead-letter queue before the first step, and the supervisor ends that delivery Failed).
 * Either way this operation has nothing to change and nothing to undo.
 */
function refusedChange(error: unknown): { why: string; error: DownstreamError } | undefined {
  if (isRefusal(error, 409)) return { why: 'the delivery is already in flight or done', error };
  if (isRefusal(error, 404)) return { why: 'the Delivery service does not know the delivery', error };
  return undefined;
}

async function unchanged(run: WorkflowRun, why: string, error?: DownstreamError): Promise<WorkflowOutcome> {
  logger.warn(`${run.message.operation} refused: ${why}; nothing changed`, {
    deliveryId: run.message.deliveryId,
    downstream: error?.downstream,
    detail: error?.problem?.detail,
  });
  await run.finish('Completed', why);
  return { status: 'Unchanged', reason: why };
}

/** The failure a non-transient error means for the delivery, or undefined if retrying may help. */
function nonTransientFailure(error: unknown): WorkflowFailure | undefined {
  if (error instanceof WorkflowFailure) return error;
  if (!(error instanceof DownstreamError) || isTransient(error)) return undefined;
  const detail = error.problem?.detail ?? error.message;
  if (error.downstream === 'accounts' && error.statusCode === 404) {
    return new WorkflowFailure('AccountNotFound', detail);
  }
  if (error.downstream === 'package' && error.statusCode === 422)
    return new WorkflowFailure('PackageRejected', detail);
  if (error.downstream === 'drone' && error.statusCode === 422)
    return new WorkflowFailure('NoDroneAvailable', detail);
  return new WorkflowFailure('InvalidRequest', detail);
}

function packageBody(accountId: string, request: ScheduleDeliveryRequest): PackageBody {
  return { accountId, ...request.package };
}

function assignmentBody(request: ScheduleDeliveryRequest): AssignmentBody {
  return {
    pickup: request.pickup,
    dropoff: request.dropoff,
    weightKg: request.package.weightKg,
    pickupTime: request.pickupTime,
    deadline: request.deadline,
    expedited: request.expedited,
  };
}

/** One operation's checkpoint, saved after every step. */
export class WorkflowRun {
  /** Steps this invocation started, finished or not (an earlier invocation's are in no checkpoint). */
  private readonly attempted = new Set<StepName>();

  private constructor(
    readonly deps: WorkflowDeps,
    readonly message: RequestMessage,
    public checkpoint: Checkpoint,
  ) {}

  /** The run of a message: its stored checkpoint, or a fresh one. */
  static async load(deps: WorkflowDeps, message: RequestMessage): Promise<WorkflowRun> {
    const stored = await deps.store.getCheckpoint(message.deliveryId, message.operation, message.requestId);
    return new WorkflowRun(
      deps,
      message,
      stored ?? {
        deliveryId: message.deliveryId,
        operation: message.operation,
        requestId: message.requestId,
        status: 'Running',
        steps: {},
        compensated: [],
        version: 0,
        updatedAt: deps.now().toISOString(),
      },
    );
  }

  get finished(): boolean {
    return this.checkpoint.status === 'Completed' || this.checkpoint.status === 'Failed';
  }

  /** Runs a step once: a step checkpointed by an earlier attempt returns its recorded result. */
  async step(name: StepName, fn: () => Promise<unknown>): Promise<unknown> {
    if (name in this.checkpoint.steps) {
      logger.debug('step already done; resuming after it', {
        deliveryId: this.message.deliveryId,
        step: name,
      });
      return this.checkpoint.steps[name];
    }
    // Attempted from now on: a call that fails or times out may still have taken effect.
    this.attempted.add(name);
    const result = (await fn()) ?? true;
    await this.save({ steps: { ...this.checkpoint.steps, [name]: result } });
    return result;
  }

  /** Runs a compensation once. */
  async compensate(name: CompensationName, fn: () => Promise<void>): Promise<void> {
    if (this.checkpoint.compensated.includes(name)) return;
    await fn();
    await this.save({ compensated: [...this.checkpoint.compensated, name] });
  }

  /**
   * What to undo, latest first. A schedule undoes every reservation it made or attempted (docs/
   * architecture.md §5.4): a step whose call failed, timed out or was answered too late may have
   * taken effect all the same, and its DELETE is safe when it did not. A reschedule or cancel undoes
   * the delivery's, reserved by the schedule before it.
   */
  compensationPlan(): CompensationName[] {
    if (this.message.operation !== 'schedule') return [...ALL_COMPENSATIONS];
    const touched = (step: StepName) => step in this.checkpoint.steps || this.attempted.has(step);
    return [
      ...(touched('drone') ? (['releaseDrone'] as const) : []),
      ...(touched('package') ? (['cancelPackage'] as const) : []),
    ];
  }

  async finish(status: 'Completed' | 'Failed', outcome?: string): Promise<void> {
    await this.save({ status, ...(outcome ? { outcome } : {}) });
  }

  async save(change: Partial<Omit<Checkpoint, 'version'>>): Promise<void> {
    this.checkpoint = await this.deps.store.saveCheckpoint({
      ...this.checkpoint,
      ...change,
      updatedAt: this.deps.now().toISOString(),
    });
  }
}
