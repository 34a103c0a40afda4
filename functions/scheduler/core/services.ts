import * as z from 'zod';
import { DownstreamError } from '../../../shared/errors.ts';
import type { LocationInput, PackageSize, ScheduleDeliveryRequest } from '../schemas.ts';

// The calls the scheduler makes of the other services (docs/internals.md, "Internal API bodies"), as
// its logic sees them; adapters/internal-api.ts makes them over the internal APIs.

type Location = z.infer<typeof LocationInput>;

export const Account = z.looseObject({ accountId: z.string(), status: z.enum(['Active', 'Suspended']) });
export type Account = z.infer<typeof Account>;

export const Package = z.looseObject({ deliveryId: z.string(), status: z.string() });
export type Package = z.infer<typeof Package>;

export const Assignment = z.looseObject({
  deliveryId: z.string(),
  droneId: z.string(),
  pickupEta: z.string(),
  deliveryEta: z.string(),
});
export type Assignment = z.infer<typeof Assignment>;

export const Release = z.looseObject({ released: z.boolean() });

export const DeliveryStatus = z.looseObject({
  deliveryId: z.string(),
  stage: z.string(),
  accountId: z.string().optional(),
});
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

export interface PackageBody {
  accountId: string;
  size: z.infer<typeof PackageSize>;
  weightKg: number;
  tag?: string | undefined;
}

export interface AssignmentBody {
  pickup: Location;
  dropoff: Location;
  weightKg: number;
  pickupTime: string;
  deadline: string;
  expedited: boolean;
}

export type CreateDeliveryBody = ScheduleDeliveryRequest & { accountId: string };

/** The whole new plan with the drone booked for it: the Delivery service takes both at once. */
export interface RescheduleBody {
  requestId: string;
  pickupTime: string;
  deadline: string;
  dropoff: Location;
  droneId: string;
  pickupEta: string;
  deliveryEta: string;
}

/** Why a reschedule was refused, with the change the client asked for. */
export interface RescheduleRejectionBody {
  requestId: string;
  reason: 'NoDroneAvailable' | 'PackageRejected' | 'InvalidRequest';
  detail?: string | undefined;
  change: { pickupTime?: string | undefined; deadline?: string | undefined; dropoff?: Location | undefined };
}

/** A Requested delivery waiting for a free drone, and the latest departure it waits for. */
export interface WaitingBody {
  for: 'drone';
  until: string;
}

/** The calls the scheduler makes, each bounded by the time left in the current invocation. */
export interface SchedulerServices {
  getAccount(accountId: string): Promise<Account>;
  putPackage(deliveryId: string, body: PackageBody): Promise<Package>;
  cancelPackage(deliveryId: string): Promise<void>;
  assignDrone(deliveryId: string, body: AssignmentBody): Promise<Assignment>;
  releaseDrone(deliveryId: string): Promise<{ released: boolean }>;
  createDelivery(deliveryId: string, body: CreateDeliveryBody): Promise<DeliveryStatus>;
  getDelivery(deliveryId: string): Promise<DeliveryStatus>;
  scheduleDelivery(deliveryId: string, body: Omit<Assignment, 'deliveryId'>): Promise<DeliveryStatus>;
  rescheduleDelivery(deliveryId: string, body: RescheduleBody): Promise<DeliveryStatus>;
  rejectReschedule(deliveryId: string, body: RescheduleRejectionBody): Promise<DeliveryStatus>;
  markWaiting(deliveryId: string, body: WaitingBody): Promise<DeliveryStatus>;
  cancelDelivery(deliveryId: string, reason: string): Promise<DeliveryStatus>;
  failDelivery(deliveryId: string, body: { reason: string; detail: string }): Promise<DeliveryStatus>;
}

/** True when `error` is a downstream's refusal with `status` (a non-transient answer). */
export function isRefusal(error: unknown, status: number): error is DownstreamError {
  return error instanceof DownstreamError && !error.transient && error.statusCode === status;
}
