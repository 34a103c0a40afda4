import * as z from 'zod';
import { droneStatusSchema, locationSchema } from '../../events/schemas.ts';

// Input schemas of the Drone Management internal routes (docs/internals.md, "Internal API bodies").
// Bodies come from trusted internal callers: unknown fields are dropped rather than refused, so
// an additive change on the caller's side never breaks a call.

const isoDateTime = z.iso.datetime({ offset: true });

export const DeliveryIdParams = z.object({
  deliveryId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'not a delivery id'),
});

export const DroneIdParams = z.object({
  droneId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'not a drone id'),
});

export const AssignDroneRequest = z
  .object({
    pickup: locationSchema,
    dropoff: locationSchema,
    weightKg: z.number().positive(),
    pickupTime: isoDateTime,
    deadline: isoDateTime,
    expedited: z.boolean().default(false),
  })
  .refine((request) => Date.parse(request.deadline) > Date.parse(request.pickupTime), {
    message: 'deadline must be after pickupTime',
    path: ['deadline'],
  });
export type AssignDroneRequest = z.infer<typeof AssignDroneRequest>;

export const TelemetryRequest = z.object({
  deliveryId: z.string().min(1).max(64).optional(),
  status: droneStatusSchema.optional(),
  location: locationSchema,
  batteryPercent: z.number().min(0).max(100),
  speedMps: z.number().min(0),
  recordedAt: isoDateTime,
});
export type TelemetryRequest = z.infer<typeof TelemetryRequest>;
