import type { AwsCredentialIdentityProvider } from '@smithy/types';
import * as z from 'zod';
import { DownstreamError } from '../../../shared/errors.ts';
import { createInternalApiClient, type InternalApiClient } from '../../../shared/internal-api.ts';
import { createDownstream, type Downstream } from '../../../shared/resilience.ts';
import {
  Account,
  Assignment,
  DeliveryStatus,
  Package,
  Release,
  type SchedulerServices,
} from '../core/services.ts';
import type { CallerResilience } from '../core/settings.ts';

// The scheduler's calls over the internal APIs (SigV4-signed, through API Gateway), each through
// its downstream's retry and circuit breaker.

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
