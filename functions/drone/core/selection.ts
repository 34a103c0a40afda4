import { haversineMeters } from './geo.ts';
import {
  type AssignmentRequest,
  BATTERY_RESERVE_PERCENT,
  batteryForMeters,
  chargeMs,
  type DroneProfile,
  FULL_BATTERY_PERCENT,
  MIN_DEPARTURE_BATTERY_PERCENT,
} from './model.ts';

// Pure rules of booking a drone in time: what a flight of a drone for a delivery takes, when the
// drone can leave for it given the windows it already holds, and which candidate serves best.
// A drone flies from its home and comes back to it; every booked flight leaves with a full
// battery, because each booking holds the drone until what it used is charged back.

/**
 * The longest window a booking may hold (flight and recharge). Bookings are looked up by departure
 * time, so a search for what overlaps a window reads back this far; a flight that would take
 * longer is not offered.
 */
export const MAX_WINDOW_MS = 8 * 3_600_000;

/** What one drone's flight for one delivery takes, in milliseconds of the booked schedule. */
export interface Flight {
  /** Home to pickup. */
  toPickupMs: number;
  /** Pickup to dropoff. */
  legMs: number;
  /** Dropoff back home. */
  backMs: number;
  /** Charging back what the flight used. */
  rechargeMs: number;
  /** From leaving home to being back and charged. */
  durationMs: number;
  /** Home to pickup, in metres: the drone's distance from the delivery. */
  toPickupM: number;
}

/** Battery, in percent, the whole trip needs: to pickup, to dropoff and home again, with the reserve. */
export function requiredBatteryPercent(
  profile: Pick<DroneProfile, 'home'>,
  request: AssignmentRequest,
): number {
  return Math.max(
    MIN_DEPARTURE_BATTERY_PERCENT,
    batteryForMeters(tripMeters(profile, request)) + BATTERY_RESERVE_PERCENT,
  );
}

function tripMeters(profile: Pick<DroneProfile, 'home'>, request: AssignmentRequest): number {
  return (
    haversineMeters(profile.home, request.pickup) +
    haversineMeters(request.pickup, request.dropoff) +
    haversineMeters(request.dropoff, profile.home)
  );
}

/**
 * The flight of this drone for this delivery, or undefined when the drone cannot fly it at all: the
 * package is too heavy, a full battery does not reach, or it would hold the drone too long.
 * `timeScale` is how many times faster than their nominal speed the drones really fly (the dev
 * stages' simulator), so that a booking holds a drone for as long as its flight really takes.
 */
export function flightFor(
  profile: DroneProfile,
  request: AssignmentRequest,
  timeScale = 1,
): Flight | undefined {
  if (profile.payloadLimitKg < request.weightKg) return undefined;
  if (requiredBatteryPercent(profile, request) > FULL_BATTERY_PERCENT) return undefined;
  const toPickupM = haversineMeters(profile.home, request.pickup);
  const ms = (meters: number) => (meters / profile.speedMps) * 1000;
  const nominal = {
    toPickupMs: ms(toPickupM),
    legMs: ms(haversineMeters(request.pickup, request.dropoff)),
    backMs: ms(haversineMeters(request.dropoff, profile.home)),
    rechargeMs: chargeMs(batteryForMeters(tripMeters(profile, request))),
  };
  const total = nominal.toPickupMs + nominal.legMs + nominal.backMs + nominal.rechargeMs;
  if (total > MAX_WINDOW_MS) return undefined;
  const scaled = (value: number) => Math.ceil(value / timeScale);
  const flight = {
    toPickupMs: scaled(nominal.toPickupMs),
    legMs: scaled(nominal.legMs),
    backMs: scaled(nominal.backMs),
    rechargeMs: scaled(nominal.rechargeMs),
  };
  return {
    ...flight,
    durationMs: flight.toPickupMs + flight.legMs + flight.backMs + flight.rechargeMs,
    toPickupM,
  };
}

/** A window in milliseconds since the epoch. */
export interface TimeWindow {
  departAt: number;
  pickupEta: number;
  deliveryEta: number;
  freeAt: number;
}

/** The window of a flight leaving at `departAt`. */
export function windowAt(flight: Flight, departAt: number): TimeWindow {
  const pickupEta = departAt + flight.toPickupMs;
  const deliveryEta = pickupEta + flight.legMs;
  return { departAt, pickupEta, deliveryEta, freeAt: deliveryEta + flight.backMs + flight.rechargeMs };
}

/** When the drone should leave to be at the pickup at the requested time, or now if that has passed. */
export function idealDeparture(flight: Flight, request: AssignmentRequest, now: number): number {
  return Math.max(now, Date.parse(request.pickupTime) - flight.toPickupMs);
}

/** The latest departure from which the drone still drops the package by the deadline. */
export function latestDeparture(flight: Flight, request: AssignmentRequest): number {
  return Date.parse(request.deadline) - flight.toPickupMs - flight.legMs;
}

/** A booking's hold on a drone, in milliseconds since the epoch. */
export interface Hold {
  departAt: number;
  freeAt: number;
}

/** The outcome of looking for a window in one drone's schedule. */
export type WindowSearch =
  | { window: TimeWindow; onTime: boolean }
  | {
      window?: undefined;
      /** The end of the first hold that stood in the way, if one did: when the drone is next free. */
      blockedUntil?: number;
    };

/**
 * The earliest window of `flight` that starts no earlier than the ideal departure (nor the drone's
 * `readyAt`), overlaps none of `holds`, and still meets the deadline. `onTime` when it leaves at
 * the ideal departure, so the package is picked up when asked.
 */
export function findWindow(
  flight: Flight,
  request: AssignmentRequest,
  now: number,
  readyAt: number | undefined,
  holds: readonly Hold[],
): WindowSearch {
  const ideal = idealDeparture(flight, request, now);
  const latest = latestDeparture(flight, request);
  let departAt = Math.max(ideal, readyAt ?? ideal);
  let blockedUntil = departAt > ideal ? departAt : undefined;
  for (const hold of [...holds].sort((a, b) => a.departAt - b.departAt)) {
    if (departAt > latest) break;
    if (hold.freeAt <= departAt) continue;
    if (hold.departAt >= departAt + flight.durationMs) break;
    blockedUntil ??= hold.freeAt;
    departAt = hold.freeAt;
  }
  if (departAt > latest) return blockedUntil === undefined ? {} : { blockedUntil };
  return { window: windowAt(flight, departAt), onTime: departAt === ideal };
}

/**
 * How a candidate ranks before its schedule is read (lower first): the distance from its home to
 * the pickup, or, for an expedited delivery, the time it takes to get there (a faster drone further
 * away may win).
 */
export function candidateScore(flight: Flight, request: AssignmentRequest): number {
  return request.expedited ? flight.toPickupMs : flight.toPickupM;
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
