import type { DroneStatus, Location } from '../../../events/schemas.ts';
import { haversineMeters, moveToward } from './geo.ts';
import { batteryForMeters, type Drone, FULL_BATTERY_PERCENT, type Route } from './model.ts';

// The simulated physics of one drone, as a pure function of its state and the time elapsed.
// A leg's arrival is reported as its own status (PickedUp, Dropped, Idle) on the tick that
// reaches it, and the next leg starts on the following tick, so every status is observed.
//
// A drone leaves at its booked departure time (core/simulator.ts finds the due ones): a delivery
// for now leaves at once, one for tomorrow tomorrow. The dev stages fly `speedFactor` times faster
// than the drones' nominal speed, and their bookings are sized to that, so a delivery for now is
// done within a minute.

/** Altitude of drones between legs, in metres. */
export const CRUISE_ALTITUDE_M = 120;

/** The telemetry a drone would send after one step (without its timestamp). */
export interface SimulatedReport {
  deliveryId?: string;
  status: DroneStatus;
  location: Location;
  batteryPercent: number;
  speedMps: number;
}

function drained(drone: Drone, from: Location, to: Location): number {
  const left = drone.batteryPercent - batteryForMeters(haversineMeters(from, to));
  return Math.max(0, Math.round(left * 10) / 10);
}

function fly(
  drone: Drone,
  target: Location,
  meters: number,
  moving: DroneStatus,
  arrival: DroneStatus,
): SimulatedReport {
  const { location, arrived } = moveToward(drone.position, target, meters, CRUISE_ALTITUDE_M);
  return {
    ...(drone.deliveryId === undefined ? {} : { deliveryId: drone.deliveryId }),
    status: arrived ? arrival : moving,
    location,
    batteryPercent: drained(drone, drone.position, location),
    speedMps: arrived ? 0 : drone.speedMps,
  };
}

/**
 * The report of a drone taking off from its base for a booked delivery. Its battery is full: the
 * booking before this one held the drone until it was charged.
 */
export function takeOffReport(drone: Drone, deliveryId: string): SimulatedReport {
  return {
    deliveryId,
    status: 'HeadedToPickup',
    location: { ...drone.position },
    batteryPercent: FULL_BATTERY_PERCENT,
    speedMps: drone.speedMps,
  };
}

/**
 * Advances one drone by `dtSeconds` of simulated time along its route; undefined when it has
 * nothing to do (Idle, Charging, or no route).
 */
export function stepDrone(drone: Drone, dtSeconds: number): SimulatedReport | undefined {
  const route: Route | undefined = drone.route;
  if (!route) return undefined;
  const meters = drone.speedMps * dtSeconds;
  switch (drone.state) {
    // `Assigned`: a drone given a delivery before bookings existed, still at its base.
    case 'Assigned':
    case 'HeadedToPickup':
      return fly(drone, route.pickup, meters, 'HeadedToPickup', 'PickedUp');
    case 'PickedUp':
    case 'HeadedToDropoff':
      return fly(drone, route.dropoff, meters, 'HeadedToDropoff', 'Dropped');
    case 'Dropped':
    case 'Returning': {
      const report = fly(drone, route.home, meters, 'Returning', 'Idle');
      // The base swaps the battery on landing, so the demo fleet never runs dry.
      return report.status === 'Idle' ? { ...report, batteryPercent: 100 } : report;
    }
    default:
      return undefined;
  }
}
