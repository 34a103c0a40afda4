import * as z from 'zod';
import { droneStatusSchema, locationSchema } from '../../../events/schemas.ts';

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
  /** recordedAt of the telemetry that last changed the state (replays republish its status event). */
  stateChangedAt: z.string().optional(),
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

export const assignmentSchema = z.object({
  deliveryId: z.string().min(1),
  droneId: z.string().min(1),
  pickupEta: z.string(),
  deliveryEta: z.string(),
  request: assignmentRequestSchema,
  /** Optimistic-concurrency counter: every change is conditional on the version read. */
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Assignment = z.infer<typeof assignmentSchema>;

export { droneStatusSchema };

// A simple energy model: a full battery flies 100 km, and no drone leaves with less than 30 %
// or lands with less than a 10 % reserve.
export const BATTERY_PERCENT_PER_KM = 1;
export const MIN_DEPARTURE_BATTERY_PERCENT = 30;
export const BATTERY_RESERVE_PERCENT = 10;

/** Battery a trip of `meters` consumes, in percent. */
export function batteryForMeters(meters: number): number {
  return (meters / 1000) * BATTERY_PERCENT_PER_KM;
}
