import type { AwsCredentialIdentityProvider } from '@smithy/types';
import * as z from 'zod';
import { locationSchema } from '../../../events/schemas.ts';
import { DownstreamError, NotFoundError, ServiceUnavailableError } from '../../../shared/errors.ts';
import { createInternalApiClient } from '../../../shared/internal-api.ts';
import { logger } from '../../../shared/observability.ts';
import { createDownstream } from '../../../shared/resilience.ts';
import { type DeliveryStatusBody, PackageRecord, toStatusBody } from './model.ts';
import type { DeliveryStore } from './store.ts';

// The public GET of a delivery the Scheduler accepted but its workflow has not created here yet
// (the workflow's first step creates it; docs/architecture.md §5.1: an accepted id never reads 404
// to its owner). On a miss in its own table the Delivery service asks the Scheduler for the stored
// request, over the one internal route its role may invoke, and answers it as Requested.

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
  package: PackageRecord,
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
    ...(options.fetch ? { fetch: options.fetch } : {}),
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

export interface DeliveryStatusDeps {
  store: Pick<DeliveryStore, 'get'>;
  requests: RequestLookup;
  remainingTimeMs: () => number;
}

/**
 * The caller's delivery: from this service's table, else, while the workflow has not created it,
 * the Scheduler's stored request as stage Requested. Another account's delivery, or an id nobody
 * accepted, is 404 either way (no existence leak).
 */
export async function getDeliveryStatus(
  deps: DeliveryStatusDeps,
  accountId: string,
  deliveryId: string,
): Promise<DeliveryStatusBody> {
  const notFound = () => new NotFoundError(`Delivery ${deliveryId} does not exist.`);
  const record = await deps.store.get(deliveryId);
  if (record) {
    if (record.accountId !== accountId) throw notFound();
    return toStatusBody(record);
  }
  let requested: RequestView | undefined;
  try {
    requested = await deps.requests.find(deliveryId, deps.remainingTimeMs);
  } catch (error) {
    // A 404 here would tell the owner of an accepted delivery that it does not exist: a 503 is
    // the honest answer, and safe to retry.
    logger.error('could not ask the Scheduler for a delivery not created yet', {
      deliveryId,
      error: error as Error,
    });
    throw new ServiceUnavailableError('The delivery cannot be read now; retry it later.', error);
  }
  if (!requested || requested.accountId !== accountId) throw notFound();
  return requestedStatus(requested);
}

function requestedStatus(requested: RequestView): DeliveryStatusBody {
  return {
    deliveryId: requested.deliveryId,
    accountId: requested.accountId,
    stage: 'Requested',
    pickup: requested.pickup,
    dropoff: requested.dropoff,
    pickupTime: requested.pickupTime,
    deadline: requested.deadline,
    expedited: requested.expedited,
    confirmationRequired: requested.confirmationRequired,
    package: requested.package,
    createdAt: requested.createdAt,
    updatedAt: requested.updatedAt,
  };
}
