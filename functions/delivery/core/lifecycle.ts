import type { DataOf, FailureReason, Location } from '../../../events/schemas.ts';
import { currentCorrelationId } from '../../../shared/correlation.ts';
import { ConflictError, NotFoundError, UnprocessableError } from '../../../shared/errors.ts';
import { type DeliveryRecord, normalizeTime, type Stage } from './model.ts';
import { earlyFlightOutcome } from './tracking.ts';
import { type Decision, type DeliveryDeps, type TransitionResult, transition } from './transitions.ts';

// The internal operations the scheduler drives (docs/internals.md, "Internal API bodies").

/** The body of `PUT /deliveries/{deliveryId}`. */
export interface NewDelivery {
  accountId: string;
  pickup: Location;
  dropoff: Location;
  pickupTime: string;
  deadline: string;
  expedited: boolean;
  confirmationRequired: string;
  package: DeliveryRecord['package'];
}

/** The body of `PUT /deliveries/{deliveryId}/schedule`: the drone assignment. */
export interface ScheduleInput {
  droneId: string;
  pickupEta: string;
  deliveryEta: string;
}

/** The body of `PUT /deliveries/{deliveryId}/reschedule`. */
export interface RescheduleInput {
  pickupTime?: string | undefined;
  deadline?: string | undefined;
  dropoff?: Location | undefined;
}

/** The body of `PUT /deliveries/{deliveryId}/failure`. */
export interface FailureInput {
  reason: FailureReason;
  detail?: string | undefined;
}

const STAGE_CONFLICT = 'delivery-stage-conflict';

function conflict(record: DeliveryRecord, operation: string): never {
  throw new ConflictError(
    `Delivery ${record.deliveryId} is ${record.stage}; it cannot be ${operation}.`,
    STAGE_CONFLICT,
  );
}

async function run(
  deps: DeliveryDeps,
  deliveryId: string,
  decide: (record: DeliveryRecord) => Decision,
): Promise<TransitionResult> {
  const result = await transition(deps, deliveryId, currentCorrelationId(), decide);
  if (!result) throw new NotFoundError(`Delivery ${deliveryId} does not exist.`);
  return result;
}

/** Creates the delivery as Requested; an existing delivery is returned unchanged (idempotent PUT). */
export async function putDelivery(
  deps: Pick<DeliveryDeps, 'store' | 'now'>,
  deliveryId: string,
  input: NewDelivery,
): Promise<DeliveryRecord> {
  const now = deps.now().toISOString();
  const { record } = await deps.store.create({
    deliveryId,
    accountId: input.accountId,
    stage: 'Requested',
    pickup: input.pickup,
    dropoff: input.dropoff,
    pickupTime: normalizeTime(input.pickupTime),
    deadline: normalizeTime(input.deadline),
    expedited: input.expedited,
    confirmationRequired: input.confirmationRequired,
    package: input.package,
    createdAt: now,
    updatedAt: now,
    version: 1,
  });
  return record;
}

/**
 * Marks the delivery Scheduled with its drone. From Requested it emits DeliveryCreated; from
 * Rescheduled it emits DeliveryRescheduled (DeliveryCreated if it was never scheduled before, so
 * every delivery's history starts with a creation). Already Scheduled: the same assignment changes
 * nothing; a refreshed assignment (the scheduler re-assigning on a retry) updates the ETAs silently.
 */
export function scheduleDelivery(
  deps: DeliveryDeps,
  deliveryId: string,
  input: ScheduleInput,
): Promise<TransitionResult> {
  const assignment = {
    droneId: input.droneId,
    pickupEta: normalizeTime(input.pickupEta),
    deliveryEta: normalizeTime(input.deliveryEta),
  };
  return run(deps, deliveryId, (record) => {
    switch (record.stage) {
      case 'Scheduled': {
        const same =
          record.droneId === assignment.droneId &&
          record.pickupEta === assignment.pickupEta &&
          record.deliveryEta === assignment.deliveryEta;
        return same ? { kind: 'unchanged' } : { kind: 'change', changes: assignment, events: [] };
      }
      case 'Requested':
      case 'Rescheduled': {
        const wasScheduled = record.stage === 'Rescheduled' && record.droneId !== undefined;
        const scheduled = {
          kind: 'change' as const,
          changes: { stage: 'Scheduled' as const, ...assignment },
          events: [wasScheduled ? rescheduledEvent(record, assignment) : createdEvent(record, assignment)],
        };
        const flight = record.earlyFlight;
        if (record.stage !== 'Requested' || flight?.droneId !== assignment.droneId) return scheduled;
        // Its drone already picked up (or dropped) the package: tell creation, then what happened.
        const flown = earlyFlightOutcome({ ...record, ...assignment }, flight);
        return {
          kind: 'change',
          changes: { ...scheduled.changes, ...flown.changes },
          events: [...scheduled.events, ...flown.events],
        };
      }
      default:
        return conflict(record, 'scheduled');
    }
  });
}

function createdEvent(record: DeliveryRecord, assignment: ScheduleInput) {
  const data: DataOf<'DeliveryCreated'> = {
    deliveryId: record.deliveryId,
    accountId: record.accountId,
    droneId: assignment.droneId,
    pickup: record.pickup,
    dropoff: record.dropoff,
    pickupEta: assignment.pickupEta,
    deliveryEta: assignment.deliveryEta,
  };
  return { detailType: 'DeliveryCreated' as const, data };
}

function rescheduledEvent(record: DeliveryRecord, assignment: ScheduleInput) {
  const data: DataOf<'DeliveryRescheduled'> = {
    deliveryId: record.deliveryId,
    accountId: record.accountId,
    droneId: assignment.droneId,
    pickupTime: record.pickupTime,
    deadline: record.deadline,
    dropoff: record.dropoff,
    pickupEta: assignment.pickupEta,
    deliveryEta: assignment.deliveryEta,
  };
  return { detailType: 'DeliveryRescheduled' as const, data };
}

const RESCHEDULABLE: ReadonlySet<Stage> = new Set(['Requested', 'Scheduled', 'Rescheduled']);

function sameLocation(a: Location, b: Location): boolean {
  return a.latitude === b.latitude && a.longitude === b.longitude && a.altitude === b.altitude;
}

/**
 * Takes new times and/or drop-off: the delivery becomes Rescheduled until the scheduler assigns it
 * again (which emits DeliveryRescheduled). A request that changes nothing changes nothing, so a
 * repeated call cannot re-open a delivery that was already scheduled again.
 */
export function rescheduleDelivery(
  deps: DeliveryDeps,
  deliveryId: string,
  input: RescheduleInput,
): Promise<TransitionResult> {
  return run(deps, deliveryId, (record) => {
    if (!RESCHEDULABLE.has(record.stage)) return conflict(record, 'rescheduled');
    const pickupTime = input.pickupTime === undefined ? record.pickupTime : normalizeTime(input.pickupTime);
    const deadline = input.deadline === undefined ? record.deadline : normalizeTime(input.deadline);
    const dropoff = input.dropoff ?? record.dropoff;
    if (deadline <= pickupTime) {
      throw new UnprocessableError('The deadline must be after the pickup time.', 'invalid-schedule');
    }
    const unchanged =
      pickupTime === record.pickupTime &&
      deadline === record.deadline &&
      sameLocation(dropoff, record.dropoff);
    if (unchanged) return { kind: 'unchanged' };
    return { kind: 'change', changes: { stage: 'Rescheduled', pickupTime, deadline, dropoff }, events: [] };
  });
}

const CANCELLABLE: ReadonlySet<Stage> = new Set(['Requested', 'Scheduled', 'Rescheduled']);

/** Cancels the delivery and emits DeliveryCancelled once; already Cancelled changes nothing. */
export function cancelDelivery(
  deps: DeliveryDeps,
  deliveryId: string,
  reason: string | undefined,
): Promise<TransitionResult> {
  return run(deps, deliveryId, (record) => {
    if (record.stage === 'Cancelled') return { kind: 'unchanged' };
    if (!CANCELLABLE.has(record.stage)) return conflict(record, 'cancelled');
    const data: DataOf<'DeliveryCancelled'> = {
      deliveryId: record.deliveryId,
      accountId: record.accountId,
      ...(reason === undefined ? {} : { reason }),
    };
    return {
      kind: 'change',
      changes: { stage: 'Cancelled', ...(reason === undefined ? {} : { cancelReason: reason }) },
      events: [{ detailType: 'DeliveryCancelled', data }],
    };
  });
}

/** Marks the delivery Failed and emits DeliveryFailed once; a Completed delivery cannot fail. */
export function failDelivery(
  deps: DeliveryDeps,
  deliveryId: string,
  input: FailureInput,
): Promise<TransitionResult> {
  return run(deps, deliveryId, (record) => {
    if (record.stage === 'Failed') return { kind: 'unchanged' };
    if (record.stage === 'Completed') return conflict(record, 'failed');
    const data: DataOf<'DeliveryFailed'> = {
      deliveryId: record.deliveryId,
      accountId: record.accountId,
      reason: input.reason,
      ...(input.detail === undefined ? {} : { detail: input.detail }),
    };
    return {
      kind: 'change',
      changes: {
        stage: 'Failed',
        failureReason: input.reason,
        ...(input.detail === undefined ? {} : { failureDetail: input.detail }),
      },
      events: [{ detailType: 'DeliveryFailed', data }],
    };
  });
}
