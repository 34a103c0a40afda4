import { DownstreamError, isTransient } from '../../../shared/errors.ts';
import { logger } from '../../../shared/observability.ts';
import type { RequestMessage } from './messages.ts';
import { runCancel } from './workflow-cancel.ts';
import { compensateAndFail } from './workflow-compensation.ts';
import { rejectReschedule, runReschedule } from './workflow-reschedule.ts';
import { type WorkflowDeps, WorkflowFailure, type WorkflowOutcome, WorkflowRun } from './workflow-run.ts';
import { runSchedule } from './workflow-schedule.ts';

// The Scheduler Agent (docs/architecture.md §5.2–§5.6): runs one queued operation as a sequence of
// idempotent internal API calls, checkpointing each so a redelivered message resumes where the
// last attempt stopped. Transient failures are thrown (SQS redelivers); non-transient ones are
// compensated in reverse and end the delivery as Failed. One module per run: workflow-schedule.ts,
// workflow-reschedule.ts, workflow-cancel.ts; the undoing in workflow-compensation.ts, the run and
// its checkpoint in workflow-run.ts.

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
  if (run.supervised) {
    // Its dead copy reached the supervisor, which settles it (and may finish it rather than undo it).
    logger.info('run taken over by the supervisor; left to it', { deliveryId: message.deliveryId });
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
