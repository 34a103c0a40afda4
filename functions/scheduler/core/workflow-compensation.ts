import { logger } from '../../../shared/observability.ts';
import { isRefusal } from './services.ts';
import type { Checkpoint, CompensationName } from './store.ts';
import { releaseDrone } from './workflow-drone.ts';
import type { WorkflowOutcome, WorkflowRun } from './workflow-run.ts';

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
