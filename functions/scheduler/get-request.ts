import { documentClient } from '../../shared/clients/dynamodb.ts';
import { type ApiEvent, type ApiResult, json, validate } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { createSchedulerStore } from './adapters/dynamodb-store.ts';
import { describeRequest } from './core/lookup.ts';
import { loadTableConfig } from './deps.ts';
import { DeliveryIdParam } from './schemas.ts';

// Internal `GET /requests/{deliveryId}` (IAM-authorized): the stored request of a delivery, for the
// Delivery service's public GET while the workflow has not created the delivery yet.

const store = createSchedulerStore(documentClient, loadTableConfig().TABLE_NAME);

export async function core(event: ApiEvent): Promise<ApiResult> {
  const deliveryId = validate(
    DeliveryIdParam,
    event.pathParameters?.deliveryId,
    'The delivery id is invalid.',
  );
  return json(200, await describeRequest(store, deliveryId));
}

export const handler = httpHandler(core);
