import type {
  DataOf,
  FailureReason,
  Location,
  RescheduleChange,
  RescheduleRejectionReason,
} from '../../../events/schemas.ts';
import { currentCorrelationId } from '../../../shared/correlation.ts';
import { ConflictError, NotFoundError, UnprocessableError } from '../../../shared/errors.ts';
import { type DeliveryChanges, type DeliveryRecord, normalizeTime, type Stage } from './model.ts';
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

/**
 * The body of `PUT /deliveries/{deliveryId}/reschedule`: the whole new plan with the drone the
 * scheduler booked for it, applied at once.
 */
export interface ReschedulePlan {
  requestId: string;
  pickupTime: string;
  deadline: string;
  dropoff: Location;
  droneId: string;
  pickupEta: string;
  deliveryEta: string;
}

/** The body of `PUT /deliveries/{deliveryId}/reschedule-rejection`: a reschedule that cannot be served. */
export interface RescheduleRejection {
  requestId: string;
  reason: RescheduleRejectionReason;
  detail?: string | undefined;
  change: RescheduleChange;
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
 * The first scheduling of the delivery (its drone assigned): it becomes Scheduled and emits
 * DeliveryCreated once. Already Scheduled: the same assignment changes nothing; a refreshed one
 * (the scheduler re-assigning on a retry) updates the ETAs silently. Rescheduled: its newer plan
 * stands, and a schedule arriving now is a late retry of the first one, which changes nothing.
 */
export function scheduleDelivery(
  deps: DeliveryDeps,
  deliveryId: string,
  input: ScheduleInput,
): Promise<TransitionResult> {
  const assignment = normalizedAssignment(input);
  return run(deps, deliveryId, (record) => {
    switch (record.stage) {
      case 'Requested':
        return firstScheduling(record, assignment, {});
      case 'Scheduled': {
        const same =
          record.droneId === assignment.droneId &&
          record.pickupEta === assignment.pickupEta &&
          record.deliveryEta === assignment.deliveryEta;
        return same ? { kind: 'unchanged' } : { kind: 'change', changes: assignment, events: [] };
      }
      case 'Rescheduled':
        return { kind: 'unchanged' };
      default:
        return conflict(record, 'scheduled');
    }
  });
}

function normalizedAssignment(input: ScheduleInput): ScheduleInput {
  return {
    droneId: input.droneId,
    pickupEta: normalizeTime(input.pickupEta),
    deliveryEta: normalizeTime(input.deliveryEta),
  };
}

/**
 * A Requested delivery gets its drone (and `also`, e.g. a new plan): Scheduled, told by DeliveryCreated,
 * so every delivery's history starts with its creation.
 */
function firstScheduling(record: DeliveryRecord, assignment: ScheduleInput, also: DeliveryChanges): Decision {
  const planned = { ...record, ...also };
  const scheduled = {
    kind: 'change' as const,
    changes: { ...also, stage: 'Scheduled' as const, ...assignment },
    events: [createdEvent(planned, assignment)],
  };
  const flight = record.earlyFlight;
  if (flight?.droneId !== assignment.droneId) return scheduled;
  // Its drone already picked up (or dropped) the package: tell creation, then what happened.
  const flown = earlyFlightOutcome({ ...planned, ...assignment }, flight);
  return {
    kind: 'change',
    changes: { ...scheduled.changes, ...flown.changes },
    events: [...scheduled.events, ...flown.events],
  };
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

/** How many decided reschedules a delivery remembers: the scheduler retries one request at a time. */
const REMEMBERED_REQUESTS = 20;

/** The request ids a decision on `requestId` leaves on the record, written with the decision. */
function handledWith(record: DeliveryRecord, requestId: string): string[] {
  return [...(record.handledRequests ?? []), requestId].slice(-REMEMBERED_REQUESTS);
}

const RESCHEDULABLE: ReadonlySet<Stage> = new Set(['Scheduled', 'Rescheduled']);

/**
 * Serves a reschedule: the new times, drop-off and drone booking replace the old ones in one write,
 * the delivery becomes Rescheduled (Scheduled in all but name) and DeliveryRescheduled is emitted
 * once per `requestId`; the same request again changes nothing, whatever the stage by then. A
 * delivery still Requested (never scheduled) takes the plan as its first one: Scheduled, DeliveryCreated.
 */
export async function rescheduleDelivery(
  deps: DeliveryDeps,
  deliveryId: string,
  plan: ReschedulePlan,
): Promise<TransitionResult> {
  const times = { pickupTime: normalizeTime(plan.pickupTime), deadline: normalizeTime(plan.deadline) };
  if (times.deadline <= times.pickupTime) {
    throw new UnprocessableError('The deadline must be after the pickup time.', 'invalid-schedule');
  }
  const assignment = normalizedAssignment(plan);
  return run(deps, deliveryId, (record) => {
    if (record.handledRequests?.includes(plan.requestId)) return { kind: 'unchanged', reason: 'duplicate' };
    const newPlan = { ...times, dropoff: plan.dropoff, handledRequests: handledWith(record, plan.requestId) };
    if (record.stage === 'Requested') return firstScheduling(record, assignment, newPlan);
    if (!RESCHEDULABLE.has(record.stage)) return conflict(record, 'rescheduled');
    const data: DataOf<'DeliveryRescheduled'> = {
      deliveryId: record.deliveryId,
      accountId: record.accountId,
      droneId: assignment.droneId,
      ...times,
      dropoff: plan.dropoff,
      pickupEta: assignment.pickupEta,
      deliveryEta: assignment.deliveryEta,
      requestId: plan.requestId,
    };
    return {
      kind: 'change',
      changes: { ...newPlan, ...assignment, stage: 'Rescheduled' },
      events: [{ detailType: 'DeliveryRescheduled', data }],
    };
  });
}

/**
 * Refuses a reschedule: the delivery keeps its plan, drone, stage and `updatedAt`; only the request
 * id is remembered, with DeliveryRescheduleRejected (reason and the refused change) emitted once per
 * `requestId`. Any stage: the refusal tells the client what became of its request.
 */
export function rejectReschedule(
  deps: DeliveryDeps,
  deliveryId: string,
  rejection: RescheduleRejection,
): Promise<TransitionResult> {
  const { pickupTime, deadline, dropoff } = rejection.change;
  const change: RescheduleChange = {
    ...(pickupTime === undefined ? {} : { pickupTime: normalizeTime(pickupTime) }),
    ...(deadline === undefined ? {} : { deadline: normalizeTime(deadline) }),
    ...(dropoff === undefined ? {} : { dropoff }),
  };
  return run(deps, deliveryId, (record) => {
    if (record.handledRequests?.includes(rejection.requestId)) {
      return { kind: 'unchanged', reason: 'duplicate' };
    }
    const data: DataOf<'DeliveryRescheduleRejected'> = {
      deliveryId: record.deliveryId,
      accountId: record.accountId,
      reason: rejection.reason,
      ...(rejection.detail === undefined ? {} : { detail: rejection.detail }),
      change,
      requestId: rejection.requestId,
    };
    return {
      kind: 'change',
      // Bookkeeping only: what a client reads of the delivery, `updatedAt` included, stays as it was.
      changes: { handledRequests: handledWith(record, rejection.requestId), updatedAt: record.updatedAt },
      events: [{ detailType: 'DeliveryRescheduleRejected', data }],
    };
  });
}

/** The body of `PUT /deliveries/{deliveryId}/waiting`. */
export interface WaitingInput {
  for: 'drone';
  until: string;
}

/**
 * Records that a Requested delivery waits for a free drone, and until when; no event (a detail of
 * its status). The same wait again changes nothing. Any other stage is a 409: a delivery scheduled,
 * cancelled or failed waits for nothing, and its status never shows a wait.
 */
export function markWaiting(
  deps: DeliveryDeps,
  deliveryId: string,
  input: WaitingInput,
): Promise<TransitionResult> {
  const waiting = { for: input.for, until: normalizeTime(input.until) };
  return run(deps, deliveryId, (record) => {
    if (record.stage !== 'Requested') return conflict(record, 'waiting for a drone');
    if (record.waiting?.for === waiting.for && record.waiting.until === waiting.until) {
      return { kind: 'unchanged' };
    }
    return { kind: 'change', changes: { waiting }, events: [] };
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
