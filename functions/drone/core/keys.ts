import { cellKey, cellOf } from './cells.ts';
import type { Booking, DroneProfile } from './model.ts';

// The drone table's keys and indexes (docs/internals.md, "Tables"). One partition per drone holds
// its record, its profile and its bookings, sorted by departure; assignments are keyed by delivery.
//
//   DRONE#<id>     / DRONE                          the drone now: position, state, delivery it flies
//   DRONE#<id>     / PROFILE                        home, speed, payload, readyAt, schedule version
//   DRONE#<id>     / BOOKING#<departAt>#<delivery>  one window of the drone
//   ASSIGNMENT#<delivery> / ASSIGNMENT              the delivery's booking and request, versioned
//
// One sparse index, `dispatch` (`dispatchPk`/`dispatchSk`), serves both ways drones are found
// without a Scan: a profile is listed under the cell of its home (`CELL#<row>#<column>`, by drone
// id), and a booking not flown yet and a drone in flight under a flight shard (`FLIGHT#<n>`, by
// departure time). One index rather than two: a table gains one index per deployment.

/** The Drone table's dispatch index (infra/constructs/stateful.ts declares it under the same name). */
export const DISPATCH_INDEX = 'dispatch';
/** What the dispatch index projects: what an assignment plans with and the simulator needs (stateful.ts too). */
export const DISPATCH_PROJECTED_ATTRIBUTES = [
  'droneId',
  'deliveryId',
  'home',
  'speedMps',
  'payloadLimitKg',
  'readyAt',
  'version',
];
/** Flight partitions of the dispatch index, so that no single partition takes every take-off and landing. */
export const FLIGHT_SHARDS = 4;

export const DRONE_PREFIX = 'DRONE#';
export const DRONE_SK = 'DRONE';
export const PROFILE_SK = 'PROFILE';
export const BOOKING_PREFIX = 'BOOKING#';
export const ASSIGNMENT_SK = 'ASSIGNMENT';

/** How long a booking stays in the table after its window ended (then the table's TTL removes it). */
const BOOKING_RETENTION_S = 7 * 24 * 3600;

export const droneKey = (droneId: string) => ({ pk: `${DRONE_PREFIX}${droneId}`, sk: DRONE_SK });
export const profileKey = (droneId: string) => ({ pk: `${DRONE_PREFIX}${droneId}`, sk: PROFILE_SK });
export const assignmentKey = (deliveryId: string) => ({
  pk: `ASSIGNMENT#${deliveryId}`,
  sk: ASSIGNMENT_SK,
});
export const bookingSk = (departAt: string, deliveryId: string) =>
  `${BOOKING_PREFIX}${departAt}#${deliveryId}`;
export const bookingKey = (booking: Pick<Booking, 'droneId' | 'departAt' | 'deliveryId'>) => ({
  pk: `${DRONE_PREFIX}${booking.droneId}`,
  sk: bookingSk(booking.departAt, booking.deliveryId),
});

/** The flight partition of a drone in the dispatch index (its bookings and itself share it). */
export function flightShard(droneId: string): string {
  let hash = 0;
  for (const char of droneId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return `FLIGHT#${hash % FLIGHT_SHARDS}`;
}

/** Every flight partition of the dispatch index. */
export function flightShards(): string[] {
  return Array.from({ length: FLIGHT_SHARDS }, (_, shard) => `FLIGHT#${shard}`);
}

/** A profile as stored: listed under the cell of its home. */
export function profileItem(profile: DroneProfile): Record<string, unknown> {
  return {
    ...profileKey(profile.droneId),
    ...profile,
    dispatchPk: cellKey(cellOf(profile.home)),
    dispatchSk: profile.droneId,
  };
}

/** A booking as stored: listed as a due departure until the drone takes off, kept a while after it ends. */
export function bookingItem(booking: Booking): Record<string, unknown> {
  return {
    ...bookingKey(booking),
    ...booking,
    dispatchPk: flightShard(booking.droneId),
    dispatchSk: booking.departAt,
    expiresAt: Math.ceil(Date.parse(booking.freeAt) / 1000) + BOOKING_RETENTION_S,
  };
}
