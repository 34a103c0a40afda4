import type { AwsCredentialIdentityProvider } from '@smithy/types';
import * as z from 'zod';
import { DownstreamError } from '../../../shared/errors.ts';
import { createInternalApiClient, type InternalApiClient } from '../../../shared/internal-api.ts';
import { createDownstream, type Downstream } from '../../../shared/resilience.ts';
import type { LocationInput, PackageSize, ScheduleDeliveryRequest } from '../schemas.ts';
import type { CallerResilience } from './settings.ts';

// Typed calls of the internal APIs the scheduler drives (docs/internals.md, "Internal API bodies"),
// each through its downstream's retry and circuit breaker.

export const DOWNSTREAM_NAMES = ['accounts', 'package', 'drone', 'delivery'] as const;
export type DownstreamName = (typeof DOWNSTREAM_NAMES)[number];

/** One internal API client and one guard (retries + circuit breaker) per downstream service. */
export interface DownstreamSet {
  apis: Record<DownstreamName, InternalApiClient>;
  guards: Record<DownstreamName, Downstream>;
}

export interface DownstreamSetOptions {
  baseUrl: string;
  region: string;
  resilience: CallerResilience;
  credentials?: AwsCredentialIdentityProvider;
  fetch?: typeof fetch;
}

/** Builds the clients and breakers once per execution environment (breakers must outlive invocations). */
export function createDownstreamSet(options: DownstreamSetOptions): DownstreamSet {
  const entries = DOWNSTREAM_NAMES.map((name) => {
    const api = createInternalApiClient({
      baseUrl: options.baseUrl,
      region: options.region,
      downstream: name,
      timeoutMs: options.resilience.timeoutMs,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    const guard = createDownstream(name, options.resilience.breaker, options.resilience.retry);
    return [name, { api, guard }] as const;
  });
  return {
    apis: Object.fromEntries(entries.map(([name, { api }]) => [name, api])) as Record<
      DownstreamName,
      InternalApiClient
    >,
    guards: Object.fromEntries(entries.map(([name, { guard }]) => [name, guard])) as Record<
      DownstreamName,
      Downstream
    >,
  };
}

type Location = z.infer<typeof LocationInput>;

const Account = z.looseObject({ accountId: z.string(), status: z.enum(['Active', 'Suspended']) });
export type Account = z.infer<typeof Account>;

const Package = z.looseObject({ deliveryId: z.string(), status: z.string() });
export type Package = z.infer<typeof Package>;

const Assignment = z.looseObject({
  deliveryId: z.string(),
  droneId: z.string(),
  pickupEta: z.string(),
  deliveryEta: z.string(),
});
export type Assignment = z.infer<typeof Assignment>;

const Release = z.looseObject({ released: z.boolean() });

const DeliveryStatus = z.looseObject({
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

/** Binds the downstream set to one invocation's clock (`remainingTimeMs` bounds every retry). */
export function createSchedulerServices(
  set: DownstreamSet,
  remainingTimeMs: () => number,
): SchedulerServices {
  async function call<S extends z.ZodType>(
    name: DownstreamName,
    method: string,
    path: string,
    schema: S,
    body?: unknown,
  ): Promise<z.infer<S>> {
    const response = await set.guards[name].call(
      () => set.apis[name].request<unknown>(method, path, body),
      remainingTimeMs,
    );
    const parsed = schema.safeParse(response.body);
    if (parsed.success) return parsed.data;
    // The callee broke its contract: retrying would get the same answer.
    throw new DownstreamError(
      name,
      `${method} ${path} answered an unexpected body: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      false,
      response.status,
    );
  }
  const id = encodeURIComponent;
  const anything = z.unknown();

  return {
    getAccount: (accountId) => call('accounts', 'GET', `/accounts/${id(accountId)}`, Account),
    putPackage: (deliveryId, body) => call('package', 'PUT', `/packages/${id(deliveryId)}`, Package, body),
    cancelPackage: async (deliveryId) => {
      await call('package', 'DELETE', `/packages/${id(deliveryId)}`, anything);
    },
    assignDrone: (deliveryId, body) =>
      call('drone', 'PUT', `/drones/assignments/${id(deliveryId)}`, Assignment, body),
    releaseDrone: (deliveryId) => call('drone', 'DELETE', `/drones/assignments/${id(deliveryId)}`, Release),
    createDelivery: (deliveryId, body) =>
      call('delivery', 'PUT', `/deliveries/${id(deliveryId)}`, DeliveryStatus, body),
    getDelivery: (deliveryId) => call('delivery', 'GET', `/deliveries/${id(deliveryId)}`, DeliveryStatus),
    scheduleDelivery: (deliveryId, body) =>
      call('delivery', 'PUT', `/deliveries/${id(deliveryId)}/schedule`, DeliveryStatus, body),
    rescheduleDelivery: (deliveryId, body) =>
      call('delivery', 'PUT', `/deliveries/${id(deliveryId)}/reschedule`, DeliveryStatus, body),
    rejectReschedule: (deliveryId, body) =>
      call('delivery', 'PUT', `/deliveries/${id(deliveryId)}/reschedule-rejection`, DeliveryStatus, body),
    markWaiting: (deliveryId, body) =>
      call('delivery', 'PUT', `/deliveries/${id(deliveryId)}/waiting`, DeliveryStatus, body),
    cancelDelivery: (deliveryId, reason) =>
      call(
        'delivery',
        'DELETE',
        `/deliveries/${id(deliveryId)}?reason=${encodeURIComponent(reason)}`,
        DeliveryStatus,
      ),
    failDelivery: (deliveryId, body) =>
      call('delivery', 'PUT', `/deliveries/${id(deliveryId)}/failure`, DeliveryStatus, body),
  };
}

/** True when `error` is a downstream's refusal with `status` (a non-transient answer). */
export function isRefusal(error: unknown, status: number): error is DownstreamError {
  return error instanceof DownstreamError && !error.transient && error.statusCode === status;
}
