import { NotFoundError } from '../../../shared/errors.ts';
import { findOwnRequest, type RequestLookup, type RequestView } from '../../../shared/request-lookup.ts';
import { type DeliveryStatusBody, toStatusBody } from './model.ts';
import type { DeliveryStore } from './store.ts';

// The public GET of a delivery the Scheduler accepted but its workflow has not created here yet
// (the workflow's first step creates it; docs/architecture.md §5.1: an accepted id never reads 404
// to its owner). On a miss in its own table the Delivery service asks the Scheduler for the stored
// request, over the one internal route its role may invoke, and answers it as Requested.

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
  const requested = await findOwnRequest(deps.requests, accountId, deliveryId, deps.remainingTimeMs);
  if (!requested) throw notFound();
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
