import { NotFoundError } from '../../../shared/errors.ts';
import type { ScheduleDeliveryRequest } from '../schemas.ts';
import type { RequestRecord, SchedulerStore } from './store.ts';

// The internal `GET /requests/{deliveryId}`: what was requested, for the Delivery service's public
// GET of a delivery its workflow has not created yet (docs/architecture.md §5.1: an accepted id
// never reads 404 to its owner). IAM lets only that function call it; it checks the owner.

/** The stored request as the Delivery service reads it. */
export type RequestView = ScheduleDeliveryRequest & {
  deliveryId: string;
  accountId: string;
  createdAt: string;
  updatedAt: string;
};

/** The stored request of a delivery, or NotFound. */
export async function describeRequest(
  store: Pick<SchedulerStore, 'getRequest'>,
  deliveryId: string,
): Promise<RequestView> {
  const record = await store.getRequest(deliveryId);
  if (!record) throw new NotFoundError(`No request for delivery ${deliveryId} is stored.`);
  return viewOf(record);
}

function viewOf(record: RequestRecord): RequestView {
  return {
    deliveryId: record.deliveryId,
    accountId: record.accountId,
    ...record.request,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}
