import { randomUUID } from 'node:crypto';
import { DETAIL_TYPES } from '../../../events/catalog.ts';
import {
  type DataOf,
  type DroneStatus,
  dronePositionChangedDetailSchema,
  droneStatusChangedDetailSchema,
  type Location,
} from '../../../events/schemas.ts';
import { NotFoundError, ServiceUnavailableError } from '../../../shared/errors.ts';
import {
  type EventToEmit,
  type PendingEvent,
  pendingEvents,
  publishPending,
} from '../../../shared/outbox.ts';
import type { EventPublisher } from '../../../shared/publisher.ts';
import { type Drone, type DroneState, RESTING_STATES } from './model.ts';
import type { DroneStore, TelemetryUpdate } from './store.ts';

// How a drone's report and its events stay consistent (the transactional outbox of shared/outbox.ts):
// 1. The report is a conditional write on the drone as it was read; the same write stores the events
//    it causes (`outbox`), their `eventId` fixed there. A status change also marks the batch
//    unpublished (`outboxKey`, and the keys of the sparse `pendingOutbox` index).
// 2. After the write the events are published, then the mark is removed by its key.
// 3. If that call dies or fails in between, the status change is not lost: the drone's next report
//    publishes the marked batch before its own write replaces it, and the sweeper
//    (core/outbox-sweeper.ts) publishes batches marked for longer than a call can last. A simulated
//    drone steps on from the stored state and never sends that report again, so these are what
//    keep a PickedUp or Dropped from vanishing.
// 4. A repeat of the last report (a caller retrying after a failure) publishes the stored batch again,
//    with the same eventIds, so consumers see the same events a second time, not new ones.
// A report with no status change is not marked: its only event is a position, which the drone's next
// report (a second later in flight) supersedes, and marking it would double the writes of the
// busiest path of the service. It is still stored, so a repeat publishes it again under its id.
//
// A drone takes a delivery when it takes off for it: a drone resting at its base that reports
// HeadedToPickup for a delivery booked on it takes the delivery and its route, in the same write
// that marks the booking flown (the write fails if the booking was released meanwhile). Until
// then the drone record says what the drone does now, not what it is booked for.

/** A drone's report, as the telemetry route receives it. */
export interface Telemetry {
  deliveryId?: string | undefined;
  status?: DroneStatus | undefined;
  location: Location;
  batteryPercent: number;
  speedMps: number;
  recordedAt: string;
}

export interface TelemetryDeps {
  store: DroneStore;
  publisher: EventPublisher;
  now: () => Date;
  /** The correlation id of the report: the events keep it, whoever publishes them. */
  correlationId: string;
}

/** `applied`: stored and published; `replayed`: a repeat of the last telemetry, its events published again; `stale`: older than the last, ignored. */
export type TelemetryOutcome = 'applied' | 'replayed' | 'stale';

const MAX_ROUNDS = 4;
const DELIVERY_STATES: readonly DroneState[] = ['Assigned', 'HeadedToPickup', 'PickedUp', 'HeadedToDropoff'];
const AFTER_DELIVERY_STATES: readonly DroneState[] = ['Dropped', 'Returning'];

/**
 * The state a telemetry moves the drone to. A report about another delivery than the one the
 * drone holds (a report sent just before a release) moves it, but changes nothing else; an
 * `Idle` report while a delivery is still under way is not believed over the assignment.
 */
export function nextState(drone: Drone, telemetry: Telemetry): DroneState {
  const status = telemetry.status;
  if (status === undefined) return drone.state;
  if (telemetry.deliveryId !== undefined && telemetry.deliveryId !== drone.deliveryId) return drone.state;
  if (status === 'Idle' && drone.deliveryId !== undefined && DELIVERY_STATES.includes(drone.state)) {
    return drone.state;
  }
  return status;
}

function positionEvent(drone: Drone, deliveryId: string | undefined, telemetry: Telemetry): EventToEmit {
  const data: DataOf<'DronePositionChanged'> = {
    droneId: drone.droneId,
    ...(deliveryId === undefined ? {} : { deliveryId }),
    location: telemetry.location,
    batteryPercent: telemetry.batteryPercent,
    speedMps: telemetry.speedMps,
    recordedAt: telemetry.recordedAt,
  };
  dronePositionChangedDetailSchema.omit({ metadata: true }).parse(data);
  return { detailType: DETAIL_TYPES.DronePositionChanged, data };
}

function statusEvent(
  drone: Drone,
  deliveryId: string | undefined,
  status: DroneStatus,
  telemetry: Telemetry,
): EventToEmit {
  const data: DataOf<'DroneStatusChanged'> = {
    droneId: drone.droneId,
    ...(deliveryId === undefined ? {} : { deliveryId }),
    status,
    location: telemetry.location,
    batteryPercent: telemetry.batteryPercent,
    recordedAt: telemetry.recordedAt,
  };
  droneStatusChangedDetailSchema.omit({ metadata: true }).parse(data);
  return { detailType: DETAIL_TYPES.DroneStatusChanged, data };
}

function asStatus(state: DroneState): DroneStatus | undefined {
  return state === 'Assigned' ? undefined : state;
}

/** Publishes a stored batch under its stored identity; a failure is transient for the caller. */
async function publishBatch(publisher: EventPublisher, events: PendingEvent[]): Promise<void> {
  try {
    await publishPending(publisher, events);
  } catch (error) {
    throw new ServiceUnavailableError(
      "The drone's report is stored but its events are not published yet.",
      error,
    );
  }
}

/**
 * Publishes a drone's batch still marked unpublished and removes the mark. Shared by the next
 * report and the sweeper; a second publication of the same batch carries the same eventIds.
 */
export async function flushOutbox(
  deps: Pick<TelemetryDeps, 'store' | 'publisher'>,
  drone: Drone,
): Promise<boolean> {
  if (drone.outboxKey === undefined) return false;
  await publishBatch(deps.publisher, drone.outbox ?? []);
  await deps.store.clearOutbox(drone.droneId, drone.outboxKey);
  return true;
}

/** How early before its booked departure a drone may take off (clocks of drones and servers differ). */
export const EARLY_TAKE_OFF_MS = 60_000;

/**
 * The booking a report takes off for: a HeadedToPickup about a delivery booked on this drone and due,
 * from a drone resting at its base with no delivery. Anything else is an ordinary report. `refused`:
 * the assignment version whose booking refused a take-off already (flown, or gone meanwhile).
 */
async function bookedTakeOff(
  store: DroneStore,
  drone: Drone,
  telemetry: Telemetry,
  refused: number | undefined,
): Promise<TelemetryUpdate['takeOff']> {
  if (telemetry.status !== 'HeadedToPickup' || telemetry.deliveryId === undefined) return undefined;
  if (drone.deliveryId !== undefined || !RESTING_STATES.includes(drone.state)) return undefined;
  const assignment = await store.getAssignment(telemetry.deliveryId);
  if (assignment?.droneId !== drone.droneId || assignment.version === refused) return undefined;
  // A report for a booking moved to later (a reschedule) does not start the new window early.
  if (Date.parse(assignment.departAt) - EARLY_TAKE_OFF_MS > Date.parse(telemetry.recordedAt))
    return undefined;
  return {
    assignment,
    route: { pickup: assignment.request.pickup, dropoff: assignment.request.dropoff, home: drone.home },
  };
}

/**
 * Stores a drone's telemetry with the events it causes and publishes them (see the outbox notes
 * above). A telemetry older than the last one is ignored; a repeat of the last one publishes the
 * stored events again under their ids.
 */
export async function ingestTelemetry(
  deps: TelemetryDeps,
  droneId: string,
  telemetry: Telemetry,
): Promise<TelemetryOutcome> {
  const recordedAt = Date.parse(telemetry.recordedAt);
  let refusedTakeOff: number | undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const drone = await deps.store.getDrone(droneId);
    if (!drone) throw new NotFoundError(`Drone ${droneId} is unknown.`);
    const last = drone.lastTelemetryAt === undefined ? undefined : Date.parse(drone.lastTelemetryAt);
    if (last !== undefined && recordedAt < last) return 'stale';
    if (last !== undefined && recordedAt === last) {
      // What was stored with the first copy, not this one: a repeat may differ, the first one won.
      // A drone written before outboxes existed has nothing stored, and nothing is published.
      if (!(await flushOutbox(deps, drone))) await publishBatch(deps.publisher, drone.outbox ?? []);
      return 'replayed';
    }
    // A batch an earlier call left unpublished goes out before this report's batch replaces it.
    await flushOutbox(deps, drone);
    const takeOff = await bookedTakeOff(deps.store, drone, telemetry, refusedTakeOff);
    const state = takeOff ? 'HeadedToPickup' : nextState(drone, telemetry);
    const changed = state !== drone.state;
    const finishDelivery =
      state === 'Idle' && drone.deliveryId !== undefined && AFTER_DELIVERY_STATES.includes(drone.state);
    // Back at the base with no delivery left: no longer listed among the flying drones.
    const landed =
      RESTING_STATES.includes(state) &&
      !RESTING_STATES.includes(drone.state) &&
      (finishDelivery || drone.deliveryId === undefined);
    const deliveryId = takeOff ? takeOff.assignment.deliveryId : drone.deliveryId;
    const status = changed ? asStatus(state) : undefined;
    const now = deps.now();
    const events = pendingEvents(
      [
        positionEvent(drone, deliveryId, telemetry),
        ...(status ? [statusEvent(drone, deliveryId, status, telemetry)] : []),
      ],
      deps.correlationId,
      now,
    );
    const pending = status ? { key: randomUUID(), since: now.toISOString() } : undefined;
    const applied = await deps.store.applyTelemetry(drone, {
      position: telemetry.location,
      batteryPercent: telemetry.batteryPercent,
      speedMps: telemetry.speedMps,
      state,
      lastTelemetryAt: telemetry.recordedAt,
      ...(changed ? { stateChangedAt: telemetry.recordedAt } : {}),
      finishDelivery,
      ...(takeOff ? { takeOff } : {}),
      ...(landed ? { landed } : {}),
      outbox: events,
      ...(pending ? { pending } : {}),
    });
    if (!applied) {
      // Read again: if the drone did not change, its booking did, and the report is an ordinary one.
      if (takeOff) refusedTakeOff = takeOff.assignment.version;
      continue;
    }
    await publishBatch(deps.publisher, events);
    if (pending) await deps.store.clearOutbox(droneId, pending.key);
    return 'applied';
  }
  throw new ServiceUnavailableError('The drone changed too often while storing its telemetry; retry.');
}
