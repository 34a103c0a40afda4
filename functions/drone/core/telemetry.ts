import { DETAIL_TYPES } from '../../../events/catalog.ts';
import {
  type DataOf,
  type DroneStatus,
  dronePositionChangedDetailSchema,
  droneStatusChangedDetailSchema,
  type Location,
} from '../../../events/schemas.ts';
import { NotFoundError, ServiceUnavailableError } from '../../../shared/errors.ts';
import { catalogEvent, type EventPublisher, type OutgoingEvent } from '../../../shared/publisher.ts';
import type { Drone, DroneState } from './model.ts';
import type { DroneStore } from './store-port.ts';

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
}

/** `applied`: stored and published; `replayed`: a repeat of the last telemetry, published again; `stale`: older than the last, ignored. */
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

function positionEvent(drone: Drone, deliveryId: string | undefined, telemetry: Telemetry): OutgoingEvent {
  const data: DataOf<'DronePositionChanged'> = {
    droneId: drone.droneId,
    ...(deliveryId === undefined ? {} : { deliveryId }),
    location: telemetry.location,
    batteryPercent: telemetry.batteryPercent,
    speedMps: telemetry.speedMps,
    recordedAt: telemetry.recordedAt,
  };
  dronePositionChangedDetailSchema.omit({ metadata: true }).parse(data);
  return catalogEvent(DETAIL_TYPES.DronePositionChanged, data);
}

function statusEvent(
  drone: Drone,
  deliveryId: string | undefined,
  status: DroneStatus,
  telemetry: Telemetry,
): OutgoingEvent {
  const data: DataOf<'DroneStatusChanged'> = {
    droneId: drone.droneId,
    ...(deliveryId === undefined ? {} : { deliveryId }),
    status,
    location: telemetry.location,
    batteryPercent: telemetry.batteryPercent,
    recordedAt: telemetry.recordedAt,
  };
  droneStatusChangedDetailSchema.omit({ metadata: true }).parse(data);
  return catalogEvent(DETAIL_TYPES.DroneStatusChanged, data);
}

function asStatus(state: DroneState): DroneStatus | undefined {
  return state === 'Assigned' ? undefined : state;
}

/**
 * Stores a drone's telemetry and publishes what changed. The drone item is written first,
 * conditionally on what was read; a telemetry older than the last one is ignored, and a repeat
 * of the last one (a caller retrying after a failed publish) publishes its events again, so no
 * event is lost and consumers, which are idempotent, see at most a duplicate.
 */
export async function ingestTelemetry(
  deps: TelemetryDeps,
  droneId: string,
  telemetry: Telemetry,
): Promise<TelemetryOutcome> {
  const recordedAt = Date.parse(telemetry.recordedAt);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const drone = await deps.store.getDrone(droneId);
    if (!drone) throw new NotFoundError(`Drone ${droneId} is unknown.`);
    const last = drone.lastTelemetryAt === undefined ? undefined : Date.parse(drone.lastTelemetryAt);
    if (last !== undefined && recordedAt < last) return 'stale';
    if (last !== undefined && recordedAt === last) {
      const status = drone.stateChangedAt === drone.lastTelemetryAt ? asStatus(drone.state) : undefined;
      await deps.publisher.publish([
        positionEvent(drone, drone.deliveryId, telemetry),
        ...(status ? [statusEvent(drone, drone.deliveryId, status, telemetry)] : []),
      ]);
      return 'replayed';
    }
    const state = nextState(drone, telemetry);
    const changed = state !== drone.state;
    const finishDelivery =
      state === 'Idle' && drone.deliveryId !== undefined && AFTER_DELIVERY_STATES.includes(drone.state);
    const applied = await deps.store.applyTelemetry(drone, {
      position: telemetry.location,
      batteryPercent: telemetry.batteryPercent,
      speedMps: telemetry.speedMps,
      state,
      lastTelemetryAt: telemetry.recordedAt,
      ...(changed ? { stateChangedAt: telemetry.recordedAt } : {}),
      finishDelivery,
    });
    if (!applied) continue;
    const status = changed ? asStatus(state) : undefined;
    await deps.publisher.publish([
      positionEvent(drone, drone.deliveryId, telemetry),
      ...(status ? [statusEvent(drone, drone.deliveryId, status, telemetry)] : []),
    ]);
    return 'applied';
  }
  throw new ServiceUnavailableError('The drone changed too often while storing its telemetry; retry.');
}
