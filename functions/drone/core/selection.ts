import { haversineMeters } from './geo.ts';
import {
  type AssignmentRequest,
  BATTERY_RESERVE_PERCENT,
  batteryForMeters,
  type Drone,
  MIN_DEPARTURE_BATTERY_PERCENT,
} from './model.ts';

// Pure rules of drone assignment: who can fly a delivery, who flies it best, and when it arrives.

/** Battery, in percent, a drone at its position needs to fly to pickup, to dropoff and home again. */
export function requiredBatteryPercent(drone: Drone, request: AssignmentRequest): number {
  const meters =
    haversineMeters(drone.position, request.pickup) +
    haversineMeters(request.pickup, request.dropoff) +
    haversineMeters(request.dropoff, drone.home);
  return Math.max(MIN_DEPARTURE_BATTERY_PERCENT, batteryForMeters(meters) + BATTERY_RESERVE_PERCENT);
}

/** Whether the drone can carry the package and has the battery for the whole trip (state aside). */
export function canFly(drone: Drone, request: AssignmentRequest): boolean {
  return (
    drone.payloadLimitKg >= request.weightKg && drone.batteryPercent >= requiredBatteryPercent(drone, request)
  );
}

/**
 * Idle drones able to fly the delivery, best first: nearest to the pickup, or, for an expedited
 * delivery, the one that reaches it soonest (a faster drone further away may win).
 */
export function rankCandidates(drones: readonly Drone[], request: AssignmentRequest): Drone[] {
  const score = (drone: Drone) => {
    const meters = haversineMeters(drone.position, request.pickup);
    return request.expedited ? meters / drone.speedMps : meters;
  };
  return drones
    .filter((drone) => drone.state === 'Idle' && drone.deliveryId === undefined && canFly(drone, request))
    .map((drone) => ({ drone, score: score(drone) }))
    .sort(
      (a, b) =>
        a.score - b.score ||
        b.drone.batteryPercent - a.drone.batteryPercent ||
        a.drone.droneId.localeCompare(b.drone.droneId),
    )
    .map(({ drone }) => drone);
}

/** Estimated pickup and delivery times: not before the requested pickup time, flying at the drone's speed. */
export function estimateEtas(
  drone: Drone,
  request: AssignmentRequest,
  now: Date,
): { pickupEta: string; deliveryEta: string } {
  const toPickupMs = (haversineMeters(drone.position, request.pickup) / drone.speedMps) * 1000;
  const pickupMs = Math.max(Date.parse(request.pickupTime), now.getTime() + toPickupMs);
  const flightMs = (haversineMeters(request.pickup, request.dropoff) / drone.speedMps) * 1000;
  return {
    pickupEta: new Date(Math.round(pickupMs)).toISOString(),
    deliveryEta: new Date(Math.round(pickupMs + flightMs)).toISOString(),
  };
}

function sameLocation(a: AssignmentRequest['pickup'], b: AssignmentRequest['pickup']): boolean {
  return a.latitude === b.latitude && a.longitude === b.longitude && a.altitude === b.altitude;
}

/** Whether two assignment requests describe the same trip (times compared as instants). */
export function sameRequest(a: AssignmentRequest, b: AssignmentRequest): boolean {
  return (
    sameLocation(a.pickup, b.pickup) &&
    sameLocation(a.dropoff, b.dropoff) &&
    a.weightKg === b.weightKg &&
    Date.parse(a.pickupTime) === Date.parse(b.pickupTime) &&
    Date.parse(a.deadline) === Date.parse(b.deadline) &&
    a.expedited === b.expedited
  );
}
