import type { FailureReason } from '../../../events/schemas.ts';
import type { DownstreamError } from '../../../shared/errors.ts';
import { logger } from '../../../shared/observability.ts';
import type { RequestMessage, WaitQueue } from './messages.ts';
import { isRefusal, type SchedulerServices } from './services.ts';
import {
  type Checkpoint,
  type CompensationName,
  ConcurrentUpdateError,
  type SchedulerStore,
  type StepName,
} from './store.ts';
import { releaseDrone } from './workflow-drone.ts';

// One run of the Scheduler Agent's workflow (core/workflow.ts): what it is given, how it ends, and
// its checkpoint, saved after every step so a redelivered message resumes where the last attempt stopped.

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

/** Everything the workflow may have to undo, latest reservation first. */
export const ALL_COMPENSATIONS: readonly CompensationName[] = ['releaseDrone', 'cancelPackage'];

/** The compensation that undoes a step's reservation. */
const UNDO_OF: Partial<Record<StepName, CompensationName>> = {
  drone: 'releaseDrone',
  package: 'cancelPackage',
};

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

  /** Taken over by the supervisor (core/supervisor.ts): it alone settles the run from then on. */
  get supervised(): boolean {
    return (
      this.checkpoint.status === 'Compensating' && this.checkpoint.failure?.reason === 'RetriesExhausted'
    );
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
    try {
      await this.save({ steps: { ...this.checkpoint.steps, [name]: result } });
    } catch (error) {
      if (error instanceof ConcurrentUpdateError) await this.undoIfOvertaken(name);
      throw error;
    }
    return result;
  }

  /**
   * This run's step took effect, but another run saved the checkpoint first. A copy of the message
   * (SQS delivers at least once) or the supervisor may be compensating this very operation and have
   * already undone the step: then the reservation just made would outlive the compensation, a drone
   * booked or a package held for a delivery that failed. It is undone here; the error still ends
   * this attempt, and its message resumes from the stored checkpoint.
   */
  private async undoIfOvertaken(name: StepName): Promise<void> {
    const undo = UNDO_OF[name];
    if (!undo) return;
    const { deliveryId, operation, requestId } = this.message;
    const current = await this.deps.store.getCheckpoint(deliveryId, operation, requestId);
    if (!current || current.status === 'Running' || current.status === 'Completed') return;
    if (!current.compensated.includes(undo)) return; // the compensation under way will undo it
    logger.warn('step took effect after its run was compensated; undoing it', { deliveryId, step: name });
    try {
      // releaseDrone leaves a drone in flight as it is, as every compensation does.
      if (undo === 'releaseDrone') await releaseDrone(this.deps.services, deliveryId);
      else await this.deps.services.cancelPackage(deliveryId);
    } catch (error) {
      if (!isRefusal(error, 409)) throw error;
      logger.warn('late reservation could not be undone: already in use', { deliveryId, step: name });
    }
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

/**
 * Why the Delivery service refused a reschedule or cancel for good, if it did: 409 once the
 * delivery is in flight or done; 404 when it never got to create the delivery (its schedule died
 * in the dead-letter queue before the first step, and the supervisor ends that delivery Failed).
 * Either way this operation has nothing to change and nothing to undo.
 */
export function refusedChange(error: unknown): { why: string; error: DownstreamError } | undefined {
  if (isRefusal(error, 409)) return { why: 'the delivery is already in flight or done', error };
  if (isRefusal(error, 404)) return { why: 'the Delivery service does not know the delivery', error };
  return undefined;
}

export async function unchanged(
  run: WorkflowRun,
  why: string,
  error?: DownstreamError,
): Promise<WorkflowOutcome> {
  logger.warn(`${run.message.operation} refused: ${why}; nothing changed`, {
    deliveryId: run.message.deliveryId,
    downstream: error?.downstream,
    detail: error?.problem?.detail,
  });
  await run.finish('Completed', why);
  return { status: 'Unchanged', reason: why };
}
