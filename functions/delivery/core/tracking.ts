import type { DataOf, ParsedDroneEvent } from '../../../events/schemas.ts';
import { logger } from '../../../shared/observability.ts';
import { after, distanceMeters } from './geo.ts';
import { type DeliveryRecord, type EarlyFlight, normalizeTime, type Stage } from './model.ts';
import { type Decision, type DeliveryDeps, transition } from './transitions.ts';

// Drone events (physical facts) become delivery events (business facts): docs/architecture.md,
// event catalog.
// SQS and EventBridge deliver at least once and in no particular order, so every step is guarded:
// a status report that changed the delivery is remembered by its `eventId` in the same conditional
// write (`appliedDroneEvents`), so the same report again, under any envelope, is a duplicate; any
// other repeat finds the target stage and emits nothing; positions are kept only when newer than
// the stored one (`lastPositionAt`), which makes a repeated position a no-op too.

/** What happened to one drone event (logged, and asserted by tests). */
export type TrackingOutcome =
  | 'ignored-no-delivery'
  | 'ignored-unknown-delivery'
  | 'ignored-other-drone'
  | 'transitioned'
  | 'duplicate'
  | 'unchanged'
  | 'position-recorded'
  | 'position-ignored';

/** How many applied status reports a delivery remembers: a flight has two (PickedUp, Dropped). */
const REMEMBERED_DRONE_EVENTS = 8;
/** Below this speed an ETA by distance/speed is meaningless (hovering, landed): ETAs are kept. */
const MIN_SPEED_MPS = 0.5;
// A rescheduled delivery is scheduled all the same (with its new plan): its drone's positions count.
const TRACKED_STAGES: ReadonlySet<Stage> = new Set(['Scheduled', 'Rescheduled', 'InTransit']);
const BEFORE_PICKUP: ReadonlySet<Stage> = new Set(['Scheduled', 'Rescheduled']);

/** Applies one drone event to the delivery it names; tolerates unknown deliveries, repeats and disorder. */
export async function trackDroneEvent(deps: DeliveryDeps, event: ParsedDroneEvent): Promise<TrackingOutcome> {
  const { detail } = event;
  const deliveryId = detail.deliveryId;
  if (deliveryId === undefined) return 'ignored-no-delivery';
  const correlationId = detail.metadata.correlationId;
  // The drone event's stable id, not its envelope's: the same report published again is one cause.
  const causationId = event.eventId;

  if (
    event.detailType === 'DroneStatusChanged' &&
    (event.detail.status === 'PickedUp' || event.detail.status === 'Dropped')
  ) {
    const statusDetail = event.detail;
    const status = statusDetail.status;
    let otherDrone = false;
    const result = await transition(deps, deliveryId, correlationId, (record) => {
      if (record.appliedDroneEvents?.includes(event.eventId)) {
        return { kind: 'unchanged', reason: 'duplicate' };
      }
      if (record.droneId !== undefined && record.droneId !== statusDetail.droneId) {
        otherDrone = true;
        return { kind: 'unchanged' };
      }
      const decision =
        status === 'PickedUp'
          ? pickedUp(record, statusDetail, causationId)
          : dropped(record, statusDetail, causationId);
      return remembered(record, decision, event.eventId);
    });
    if (!result) return 'ignored-unknown-delivery';
    if (otherDrone) return 'ignored-other-drone';
    if (result.reason === 'duplicate') return 'duplicate';
    if (!result.changed) {
      logger.info('drone status changes nothing', { deliveryId, status, stage: result.record.stage });
    }
    return result.changed ? 'transitioned' : 'unchanged';
  }
  return recordPosition(deps, deliveryId, event);
}

type StatusDetail = Extract<ParsedDroneEvent, { detailType: 'DroneStatusChanged' }>['detail'];

/** A change caused by a status report also records the report's id, in the same write. */
function remembered(record: DeliveryRecord, decision: Decision, eventId: string): Decision {
  if (decision.kind !== 'change') return decision;
  const applied = [...(record.appliedDroneEvents ?? []), eventId].slice(-REMEMBERED_DRONE_EVENTS);
  return { ...decision, changes: { ...decision.changes, appliedDroneEvents: applied } };
}

function inTransitEvent(record: DeliveryRecord, droneId: string, location: DeliveryRecord['pickup']) {
  const data: DataOf<'DeliveryInTransit'> = {
    deliveryId: record.deliveryId,
    accountId: record.accountId,
    droneId,
    location,
  };
  return { detailType: 'DeliveryInTransit' as const, data };
}

/**
 * The drone reported a pickup or drop before the scheduler confirmed the delivery (the workflow's
 * last step was retried while the drone flew): keep the furthest fact, for `scheduleDelivery` to
 * tell once the delivery is Scheduled, rather than lose it and leave the delivery waiting forever.
 */
function rememberEarlyFlight(record: DeliveryRecord, detail: StatusDetail, causationId: string): Decision {
  const status = detail.status === 'Dropped' ? 'Dropped' : 'PickedUp';
  if (record.earlyFlight?.status === 'Dropped' || record.earlyFlight?.status === status)
    return { kind: 'unchanged' };
  const earlyFlight: EarlyFlight = {
    droneId: detail.droneId,
    status,
    location: detail.location,
    recordedAt: normalizeTime(detail.recordedAt),
    causationId,
  };
  return { kind: 'change', changes: { earlyFlight }, events: [] };
}

/** The stage and events that a flight reported early adds when the delivery is scheduled with that drone. */
export function earlyFlightOutcome(
  record: DeliveryRecord,
  flight: EarlyFlight,
): Decision & { kind: 'change' } {
  if (flight.status === 'PickedUp') {
    return {
      kind: 'change',
      changes: {
        stage: 'InTransit',
        droneId: flight.droneId,
        lastKnownLocation: flight.location,
        lastPositionAt: flight.recordedAt,
      },
      events: [
        { ...inTransitEvent(record, flight.droneId, flight.location), causationId: flight.causationId },
      ],
    };
  }
  const outcome = completion({ ...record, stage: 'Scheduled' }, flight, flight.causationId);
  if (outcome.kind !== 'change') throw new Error('a scheduled delivery always completes on a drop');
  return outcome;
}

function pickedUp(record: DeliveryRecord, detail: StatusDetail, causationId: string): Decision {
  if (record.stage === 'Requested') return rememberEarlyFlight(record, detail, causationId);
  // InTransit or Completed: a repeat or a late event. Cancelled, Failed: nothing to carry.
  if (!BEFORE_PICKUP.has(record.stage)) return { kind: 'unchanged' };
  const recordedAt = normalizeTime(detail.recordedAt);
  const newer = record.lastPositionAt === undefined || record.lastPositionAt < recordedAt;
  return {
    kind: 'change',
    changes: {
      stage: 'InTransit',
      droneId: detail.droneId,
      ...(newer ? { lastKnownLocation: detail.location, lastPositionAt: recordedAt } : {}),
    },
    events: [{ ...inTransitEvent(record, detail.droneId, detail.location), causationId }],
  };
}

/** What a status report says of the drone's whereabouts. */
type Whereabouts = Pick<StatusDetail, 'droneId' | 'location' | 'recordedAt'>;

function dropped(record: DeliveryRecord, detail: StatusDetail, causationId: string): Decision {
  if (record.stage === 'Requested') return rememberEarlyFlight(record, detail, causationId);
  return completion(record, detail, causationId);
}

function completion(record: DeliveryRecord, detail: Whereabouts, causationId: string): Decision {
  const completedAt = normalizeTime(detail.recordedAt);
  const completed: DataOf<'DeliveryCompleted'> = {
    deliveryId: record.deliveryId,
    accountId: record.accountId,
    droneId: detail.droneId,
    location: detail.location,
    completedAt,
  };
  const changes = {
    stage: 'Completed' as const,
    droneId: detail.droneId,
    completedAt,
    lastKnownLocation: detail.location,
    lastPositionAt: completedAt,
  };
  if (record.stage === 'InTransit') {
    return {
      kind: 'change',
      changes,
      events: [{ detailType: 'DeliveryCompleted', data: completed, causationId }],
    };
  }
  if (BEFORE_PICKUP.has(record.stage)) {
    // The drop overtook the pickup report: the delivery was in transit all the same, so both facts are told.
    return {
      kind: 'change',
      changes,
      events: [
        { ...inTransitEvent(record, detail.droneId, record.pickup), causationId },
        { detailType: 'DeliveryCompleted', data: completed, causationId },
      ],
    };
  }
  return { kind: 'unchanged' };
}

async function recordPosition(
  deps: DeliveryDeps,
  deliveryId: string,
  event: ParsedDroneEvent,
): Promise<TrackingOutcome> {
  // Positions never publish an outbox: a fresh one belongs to the call that wrote it (a drone reports
  // its position in the same tick as its status), and an abandoned one to the outbox sweeper.
  const record = await deps.store.get(deliveryId);
  if (!record) return 'ignored-unknown-delivery';
  const { detail } = event;
  if (record.droneId !== undefined && record.droneId !== detail.droneId) return 'ignored-other-drone';
  const recordedAt = normalizeTime(detail.recordedAt);
  if (!TRACKED_STAGES.has(record.stage)) return 'position-ignored';
  if (record.lastPositionAt !== undefined && record.lastPositionAt >= recordedAt) return 'position-ignored';
  const etas = event.detailType === 'DronePositionChanged' ? estimate(record, event.detail) : {};
  const recorded = await deps.store.recordPosition(deliveryId, {
    expectedStage: record.stage,
    lastKnownLocation: detail.location,
    lastPositionAt: recordedAt,
    ...etas,
    updatedAt: deps.now().toISOString(),
  });
  return recorded ? 'position-recorded' : 'position-ignored';
}

type PositionDetail = Extract<ParsedDroneEvent, { detailType: 'DronePositionChanged' }>['detail'];

/** Re-estimated ETAs: straight lines at the reported speed (to the pickup first while not yet picked up). */
function estimate(
  record: DeliveryRecord,
  detail: PositionDetail,
): { pickupEta?: string; deliveryEta?: string } {
  if (detail.speedMps < MIN_SPEED_MPS) return {};
  const at = new Date(detail.recordedAt);
  if (record.stage === 'InTransit') {
    return {
      deliveryEta: after(at, distanceMeters(detail.location, record.dropoff), detail.speedMps).toISOString(),
    };
  }
  const pickupEta = after(at, distanceMeters(detail.location, record.pickup), detail.speedMps);
  const deliveryEta = after(pickupEta, distanceMeters(record.pickup, record.dropoff), detail.speedMps);
  return { pickupEta: pickupEta.toISOString(), deliveryEta: deliveryEta.toISOString() };
}
