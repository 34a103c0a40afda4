import * as z from 'zod';
import { logger } from '../../../shared/observability.ts';
import type { ScheduleDeliveryRequest } from '../schemas.ts';
import { type AssignmentBody, isRefusal, type SchedulerServices } from './services.ts';
import type { WorkflowRun } from './workflow-run.ts';

// The workflow's calls to the Drone service: booking a drone for a plan, reading its refusal when no
// drone is free, and releasing the booking.

const AssignmentResult = z.object({ droneId: z.string(), pickupEta: z.string(), deliveryEta: z.string() });
export type AssignmentResult = z.infer<typeof AssignmentResult>;

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

export interface NoDroneRefusal {
  detail: string;
  /** The latest departure (epoch ms) from which a drone could still meet the deadline, if any. */
  latestDeparture?: number | undefined;
  retryAt?: string | undefined;
}

/** The Drone service's `422 no-drone-available`, with what it says about waiting, if `error` is one. */
export function noDroneRefusal(error: unknown): NoDroneRefusal | undefined {
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

export async function releaseDrone(services: SchedulerServices, deliveryId: string) {
  try {
    return await services.releaseDrone(deliveryId);
  } catch (error) {
    // A drone that has picked the package up cannot be released; the flight finishes as it is.
    if (!isRefusal(error, 409)) throw error;
    logger.warn('drone in flight; not released', { deliveryId });
    return { released: false };
  }
}

export function assignmentBody(request: ScheduleDeliveryRequest): AssignmentBody {
  return {
    pickup: request.pickup,
    dropoff: request.dropoff,
    weightKg: request.package.weightKg,
    pickupTime: request.pickupTime,
    deadline: request.deadline,
    expedited: request.expedited,
  };
}
