import * as z from 'zod';
import type { FailureReason } from '../../../events/schemas.ts';
import { DownstreamError, isTransient } from '../../../shared/errors.ts';
import { logger } from '../../../shared/observability.ts';
import type { ScheduleDeliveryRequest } from '../schemas.ts';
import type { RequestMessage } from './messages.ts';
import { type AssignmentBody, isRefusal, type PackageBody, type SchedulerServices } from './services.ts';
import type { Checkpoint, CompensationName, SchedulerStore, StepName } from './store.ts';

// The Scheduler Agent (ARCHITECTURE §5.2–§5.6): runs one queued operation as a sequence of
// idempotent internal API calls, checkpointing each so a redelivered message resumes where the
// last attempt stopped. Transient failures are thrown (SQS redelivers); non-transient ones are
// compensated in reverse and end the delivery as Failed.

/** What the workflow needs: its store, the downstream calls and a clock. */
export interface WorkflowDeps {
  store: SchedulerStore;
  services: SchedulerServices;
  now: () => Date;
}

/** How a run ended: done, failed (compensated), unchanged (refused by the delivery's state), or skipped (already finished). */
export interface WorkflowOutcome {
  status: 'Completed' | 'Failed' | 'Unchanged' | 'Skipped';
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

/** Runs (or resumes) the operation a queue message asks for. Throws on transient failures. */
export async function runWorkflow(deps: WorkflowDeps, message: RequestMessage): Promise<WorkflowOutcome> {
  const run = await WorkflowRun.load(deps, message);
  if (run.finished) {
    logger.info('workflow already finished; redelivered message skipped', {
      deliveryId: message.deliveryId,
      operation: message.operation,
      status: run.checkpoint.status,
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

/** The package and drone steps that schedule and reschedule share; returns the drone's assignment. */
async function reservePackageAndDrone(run: WorkflowRun, request: ScheduleDeliveryRequest) {
  const { services } = run.deps;
  const { deliveryId, accountId } = run.message;
  await run.step('package', async () => {
    const stored = await services.putPackage(deliveryId, packageBody(accountId, request));
    return { status: stored.status };
  });
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

async function runSchedule(run: WorkflowRun): Promise<WorkflowOutcome> {
  const { services, store } = run.deps;
  const { deliveryId, accountId } = run.message;
  const record = await store.getRequest(deliveryId);
  if (!record) throw new Error(`no stored request for delivery ${deliveryId}`);
  const { request } = record;

  await run.step('accounts', async () => {
    const account = await services.getAccount(accountId);
    if (account.status === 'Suspended') {
      throw new WorkflowFailure('AccountSuspended', `Account ${accountId} is suspended.`);
    }
    return { status: account.status };
  });
  const assignment = await reservePackageAndDrone(run, request);
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
  logger.info('delivery scheduled', { deliveryId, droneId: assignment.droneId });
  return { status: 'Completed' };
}

async function runReschedule(run: WorkflowRun): Promise<WorkflowOutcome> {
  const { services, store } = run.deps;
  const { deliveryId, requestId } = run.message;
  const reschedule = await store.getReschedule(deliveryId, requestId);
  if (!reschedule) throw new Error(`no stored reschedule ${requestId} for delivery ${deliveryId}`);
  const { request, changes } = reschedule;

  try {
    await run.step('reschedule', async () => {
      const delivery = await services.rescheduleDelivery(deliveryId, changes);
      return { stage: delivery.stage };
    });
    const assignment = await reservePackageAndDrone(run, request);
    await run.step('delivery', async () => {
      const delivery = await services.scheduleDelivery(deliveryId, assignment);
      return { stage: delivery.stage };
    });
  } catch (error) {
    if (isRefusal(error, 409)) return unchanged(run, 'the delivery is already in flight or done', error);
    throw error;
  }
  await run.finish('Completed');
  logger.info('delivery rescheduled', { deliveryId });
  return { status: 'Completed' };
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
    if (isRefusal(error, 409)) return unchanged(run, 'the delivery is already in flight or done', error);
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
): Promise<WorkflowOutcome> {
  const { services } = run.deps;
  const { deliveryId } = run.message;
  if (run.checkpoint.status !== 'Compensating') await run.save({ status: 'Compensating', failure });

  for (const compensation of run.compensationPlan()) {
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

async function unchanged(run: WorkflowRun, why: string, error: DownstreamError): Promise<WorkflowOutcome> {
  logger.warn(`${run.message.operation} refused: ${why}; nothing changed`, {
    deliveryId: run.message.deliveryId,
    downstream: error.downstream,
    detail: error.problem?.detail,
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

  /** What to undo, latest first: a schedule undoes its own steps; a reschedule or cancel the delivery's. */
  compensationPlan(): CompensationName[] {
    if (this.message.operation === 'schedule') {
      const done = this.checkpoint.steps;
      return [
        ...('drone' in done ? (['releaseDrone'] as const) : []),
        ...('package' in done ? (['cancelPackage'] as const) : []),
      ];
    }
    // The drone and package of a reschedule or cancel were reserved by the schedule before it.
    return ['releaseDrone', 'cancelPackage'];
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
