import { logger } from '../../../shared/observability.ts';
import { releaseDrone } from './workflow-drone.ts';
import { refusedChange, unchanged, type WorkflowOutcome, type WorkflowRun } from './workflow-run.ts';

// The cancel run: the Delivery service cancels the delivery (refused once it is in flight), then
// the drone and the package are given back.

/** Why the cancel workflow tells the Delivery service a delivery is cancelled. */
const CANCEL_REASON = 'CancelledByClient';

export async function runCancel(run: WorkflowRun): Promise<WorkflowOutcome> {
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
