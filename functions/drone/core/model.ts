import * as z from 'zod';
import { droneStatusSchema, locationSchema } from '../../../events/schemas.ts';
import { PendingEvent } from '../../../shared/outbox.ts';

// The drone table's records and the fleet's physical model. Records are parsed when read so a
// malformed item fails loudly instead of flowing on as a lie about its type.

export const DRONE_STATES = [
  'Idle',
  'Assigned',
  'HeadedToPickup',
  'PickedUp',
  'HeadedToDropoff',
  'Dropped',
  'Returning',
  'Charging',
] as const;
export const droneStateSchema = z.enum(DRONE_STATES);
export type DroneState = z.infer<typeof droneStateSchema>;

/** States of a drone on the ground at its base, free to take off for its next booking. */
export const RESTING_STATES: readonly DroneState[] = ['Idle', 'Charging'];
/** States in which the drone holds a delivery whose package has not been picked up yet. */
export const BEFORE_PICKUP_STATES: readonly DroneState[] = ['Assigned', 'HeadedToPickup'];
/** States in which the package is aboard or delivered: the assignment can no longer change. */
export const AFTER_PICKUP_STATES: readonly DroneState[] = [
  'PickedUp',
  'HeadedToDropoff',
  'Dropped',
  'Returning',
];

export const routeSchema = z.object({
  pickup: locationSchema,
  dropoff: locationSchema,
  home: locationSchema,
});
export type Route = z.infer<typeof routeSchema>;

export const droneSchema = z.object({
  droneId: z.string().min(1),
  home: locationSchema,
  position: locationSchema,
  batteryPercent: z.number(),
  payloadLimitKg: z.number(),
  speedMps: z.number().positive(),
  state: droneStateSchema,
  deliveryId: z.string().optional(),
  route: routeSchema.optional(),
  lastTelemetryAt: z.string().optional(),
  /** recordedAt of the telemetry that last changed the state. */
  stateChangedAt: z.string().optional(),
  /**
   * The events the last applied telemetry caused, their identity fixed when it was written. Kept
   * after they are published: a repeat of that telemetry publishes them again, as the same events.
   */
  outbox: z.array(PendingEvent).optional(),
  /** Set while `outbox` holds a status change not known to be published; it is cleared by this key. */
  outboxKey: z.string().optional(),
  /** When that batch was written; the sweeper's index sorts on it. */
  outboxSince: z.string().optional(),
});
export type Drone = z.infer<typeof droneSchema>;

export const assignmentRequestSchema = z.object({
  pickup: locationSchema,
  dropoff: locationSchema,
  weightKg: z.number(),
  pickupTime: z.string(),
  deadline: z.string(),
  expedited: z.boolean(),
});
export type AssignmentRequest = z.infer<typeof assignmentRequestSchema>;

/**
 * What the assignment needs to know of a drone to book it, kept apart from the drone record: the
 * drone record is rewritten by every report of a flying drone, this one only when the drone's
 * schedule changes. Listed by the cell of the drone's home (core/cells.ts), so finding candidates
 * near a pickup reads a few cells of the fleet, never all of it.
 */
export const droneProfileSchema = z.object({
  droneId: z.string().min(1),
  home: locationSchema,
  speedMps: z.number().positive(),
  payloadLimitKg: z.number(),
  /** Not bookable before this: a seeded drone still charging, a drone called back from a flight. */
  readyAt: z.string().optional(),
  /** Bumped by every change of the drone's bookings: two bookings of one drone are serialized on it. */
  version: z.number().int(),
});
export type DroneProfile = z.infer<typeof droneProfileSchema>;

/**
 * The time a drone is held for one delivery: it leaves home at `departAt`, picks up at `pickupEta`,
 * drops at `deliveryEta`, and is back home and recharged at `freeAt`. Two bookings of one drone
 * never overlap.
 */
export const bookingSchema = z.object({
  droneId: z.string().min(1),
  deliveryId: z.string().min(1),
  departAt: z.string(),
  pickupEta: z.string(),
  deliveryEta: z.string(),
  freeAt: z.string(),
  /** Set when the drone took off for it: from then on only the flight itself can end it. */
  tookOffAt: z.string().optional(),
});
export type Booking = z.infer<typeof bookingSchema>;

export const assignmentSchema = z.object({
  deliveryId: z.string().min(1),
  droneId: z.string().min(1),
  departAt: z.string(),
  pickupEta: z.string(),
  deliveryEta: z.string(),
  freeAt: z.string(),
  request: assignmentRequestSchema,
  /** Optimistic-concurrency counter: every change is conditional on the version read. */
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /**
   * When its flight ended. The assignment is kept (until `expiresAt`) so that a late retry of the
   * request that booked it is answered with the flight that served it, never a second booking.
   */
  finishedAt: z.string().optional(),
  expiresAt: z.number().int().optional(),
});
export type Assignment = z.infer<typeof assignmentSchema>;

/** How long a finished assignment answers retries: as long as a request may wait in a dead-letter queue. */
export const FINISHED_ASSIGNMENT_TTL_SECONDS = 14 * 24 * 3600;

/** The booking an assignment holds. */
export function bookingOf(assignment: Assignment): Booking {
  const { droneId, deliveryId, departAt, pickupEta, deliveryEta, freeAt } = assignment;
  return { droneId, deliveryId, departAt, pickupEta, deliveryEta, freeAt };
}

export { droneStatusSchema };

// A simple energy model: a full battery flies 100 km, no drone leaves with less than 30 % or lands
// with less than a 10 % reserve, and the base charges 1 % a minute. A booking counts the recharge of
// what the flight used, so every booked flight leaves with a full battery.
export const BATTERY_PERCENT_PER_KM = 1;
export const MIN_DEPARTURE_BATTERY_PERCENT = 30;
export const BATTERY_RESERVE_PERCENT = 10;
export const FULL_BATTERY_PERCENT = 100;
export const CHARGE_PERCENT_PER_MINUTE = 1;

/** Battery a trip of `meters` consumes, in percent. */
export function batteryForMeters(meters: number): number {
  return (meters / 1000) * BATTERY_PERCENT_PER_KM;
}

/** Milliseconds the base needs to put `percent` back into a battery. */
export function chargeMs(percent: number): number {
  return (Math.max(0, percent) / CHARGE_PERCENT_PER_MINUTE) * 60_000;
}
