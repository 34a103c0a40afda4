import { logger } from '../../../shared/observability.ts';
import type { RequestMessage } from './messages.ts';
import { isRefusal } from './services.ts';
import {
  compensateAndFail,
  runWorkflow,
  type WorkflowDeps,
  type WorkflowOutcome,
  WorkflowRun,
} from './workflow.ts';

// The supervisor (ARCHITECTURE §5.5): a request in the dead-letter queue has used up its retries.
// Undo what its checkpoint says was done and end the delivery as Failed (RetriesExhausted), so
// nothing stays reserved for a delivery that will never be scheduled. Idempotent: a finished
// workflow is left alone. Transient failures are thrown so the DLQ message is retried later.

const IN_FLIGHT_OR_COMPLETED = new Set(['InTransit', 'Completed']);
const ALREADY_ENDED = new Set(['Cancelled', 'Failed']);

/** Settles a dead request: compensates and fails it, or finishes a dead cancel. */
export async function superviseDeadRequest(
  deps: WorkflowDeps,
  message: RequestMessage,
): Promise<WorkflowOutcome> {
  const run = await WorkflowRun.load(deps, message);
  if (run.finished) {
    logger.info('dead request already settled', {
      deliveryId: message.deliveryId,
      operation: message.operation,
      status: run.checkpoint.status,
    });
    return { status: 'Skipped' };
  }
  if (message.operation === 'cancel') return settleCancel(deps, message);
  // A compensation already under way keeps its own (more precise) reason.
  if (run.checkpoint.status === 'Compensating' && run.checkpoint.failure) {
    return compensateAndFail(run, run.checkpoint.failure);
  }

  const stage = await deliveryStage(deps, message.deliveryId);
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
  return compensateAndFail(run, {
    reason: 'RetriesExhausted',
    detail: `The ${message.operation} request could not be completed after repeated attempts.`,
    // A delivery that is already Cancelled or Failed (or unknown) keeps its state.
    markDelivery: stage !== undefined && !ALREADY_ENDED.has(stage),
  });
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
