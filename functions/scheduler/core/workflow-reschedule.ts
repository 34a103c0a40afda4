import * as z from 'zod';
import { DownstreamError, isTransient } from '../../../shared/errors.ts';
import { logger } from '../../../shared/observability.ts';
import { DELIVERY_REQUEST_FIELDS, deadlineAfterPickup, type ScheduleDeliveryRequest } from '../schemas.ts';
import type { RescheduleRejectionBody } from './services.ts';
import { FINAL_OR_IN_FLIGHT } from './stages.ts';
import type { KnownStage, RequestRecord, RescheduleRecord } from './store.ts';
import { type AssignmentResult, assignmentBody, bookDrone, noDroneRefusal } from './workflow-drone.ts';
import { refusedChange, unchanged, type WorkflowOutcome, type WorkflowRun } from './workflow-run.ts';

/**
 * A reschedule's plan, fixed by its first attempt: the change applied to the plan current then,
 * and the delivery's stage then. Its deadline rule is checked apart: a plan that breaks it is refused.
 */
const PlanResult = z.object({ request: z.object(DELIVERY_REQUEST_FIELDS), stage: z.string() });

/**
 * A reschedule is served whole or not at all (docs/architecture.md §3, §5.6): the drone is re-booked
 * for the new plan first (the Drone service keeps the old booking when it refuses), then the
 * Delivery service takes the plan and the drone at once (DeliveryRescheduled), and only then does
 * the plan become the request's current one here. One that cannot be served (an invalid plan, no
 * drone for it) is told to the Delivery service (DeliveryRescheduleRejected) and changes nothing:
 * its refusal is an answer, not a failure, so nothing of the delivery is ever compensated. The
 * package is left as it is: its rule (weight for size) does not depend on times or drop-off.
 */
export async function runReschedule(run: WorkflowRun): Promise<WorkflowOutcome> {
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
export async function rejectReschedule(
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
