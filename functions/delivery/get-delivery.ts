import { documentClient } from '../../shared/clients/dynamodb.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { type ApiEvent, type ApiResult, callerOf, json } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { toStatusBody } from './core/model.ts';
import { getOwnDelivery } from './core/queries.ts';
import { createDeliveryStore } from './core/store.ts';
import { deliveryIdOf } from './params.ts';

// Public `GET /v1/deliveries/{deliveryId}`: the caller's own delivery; any other is 404.

const config = loadConfig({ TABLE_NAME: requiredString() });
const store = createDeliveryStore(documentClient, config.TABLE_NAME);

export async function core(event: ApiEvent): Promise<ApiResult> {
  const caller = callerOf(event);
  const deliveryId = deliveryIdOf(event);
  const record = await getOwnDelivery(store, caller.accountId, deliveryId);
  return json(200, toStatusBody(record));
}

export const handler = httpHandler(core);
