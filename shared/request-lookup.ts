import type { AwsCredentialIdentityProvider } from '@smithy/types';
import * as z from 'zod';
import { locationSchema } from '../events/schemas.ts';
import { PackageSize } from './contracts.ts';
import { DownstreamError, ServiceUnavailableError } from './errors.ts';
import { createInternalApiClient } from './internal-api.ts';
import { logger } from './observability.ts';
import { createDownstream } from './resilience.ts';

// The Scheduler's stored request of a delivery, read over its internal route `GET /requests/{id}`.
// Public reads of a delivery the Scheduler accepted but whose workflow has not created it yet
// (its GET, its history, a notification request) ask it, so that an accepted id never reads 404
// to its owner (docs/architecture.md §5.1).

const RequestedPackage = z.object({ size: PackageSize, weightKg: z.number(), tag: z.string().optional() });

/** The Scheduler's `GET /requests/{deliveryId}` answer: what was requested. */
const RequestView = z.looseObject({
  deliveryId: z.string(),
  accountId: z.string(),
  pickup: locationSchema,
  dropoff: locationSchema,
  pickupTime: z.string(),
  deadline: z.string(),
  expedited: z.boolean(),
  confirmationRequired: z.string(),
  package: RequestedPackage,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type RequestView = z.infer<typeof RequestView>;

/** Finds the Scheduler's stored request of a delivery; undefined when there is none. */
export interface RequestLookup {
  find(deliveryId: string, remainingTimeMs: () => number): Promise<RequestView | undefined>;
}

/**
 * A client is waiting on this call: one quick retry at most, and a breaker so that a Scheduler
 * that keeps failing is not called by every GET of a missing delivery.
 */
export const REQUEST_LOOKUP_RESILIENCE = {
  timeoutMs: 2_000,
  retry: { maxAttempts: 2, baseDelayMs: 50, maxDelayMs: 200, reserveMs: 2_500 },
  breaker: { consecutiveFailures: 5, halfOpenAfterMs: 10_000 },
} as const;

export interface RequestLookupOptions {
  baseUrl: string;
  region: string;
  credentials?: AwsCredentialIdentityProvider;
  fetch?: typeof fetch;
}

/** The lookup over the internal API (SigV4-signed), built once per execution environment. */
export function createRequestLookup(options: RequestLookupOptions): RequestLookup {
  const api = createInternalApiClient({
    baseUrl: options.baseUrl,
    region: options.region,
    downstream: 'scheduler',
    timeoutMs: REQUEST_LOOKUP_RESILIENCE.timeoutMs,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // Looked up per call by default, so instrumentation (and tests) that replace the global fetch are honoured.
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
  });
  const guard = createDownstream(
    'scheduler',
    REQUEST_LOOKUP_RESILIENCE.breaker,
    REQUEST_LOOKUP_RESILIENCE.retry,
  );
  return {
    async find(deliveryId, remainingTimeMs) {
      let body: unknown;
      try {
        ({ body } = await guard.call(
          () => api.request<unknown>('GET', `/requests/${encodeURIComponent(deliveryId)}`),
          remainingTimeMs,
        ));
      } catch (error) {
        if (error instanceof DownstreamError && !error.transient && error.statusCode === 404)
          return undefined;
        throw error;
      }
      const parsed = RequestView.safeParse(body);
      if (!parsed.success) {
        throw new DownstreamError('scheduler', 'GET /requests answered an unexpected body', false, 200);
      }
      return parsed.data;
    },
  };
}

/**
 * The stored request of `deliveryId` if `accountId` made it; undefined for an id nobody accepted or
 * another account's (no existence leak). A lookup that fails is a 503, never a 404: the owner of an
 * accepted delivery must not read that it does not exist.
 */
export async function findOwnRequest(
  requests: RequestLookup,
  accountId: string,
  deliveryId: string,
  remainingTimeMs: () => number,
): Promise<RequestView | undefined> {
  let requested: RequestView | undefined;
  try {
    requested = await requests.find(deliveryId, remainingTimeMs);
  } catch (error) {
    logger.error('could not ask the Scheduler for a delivery not created yet', {
      deliveryId,
      error: error as Error,
    });
    throw new ServiceUnavailableError('The delivery cannot be read now; retry it later.', error);
  }
  return requested?.accountId === accountId ? requested : undefined;
}
