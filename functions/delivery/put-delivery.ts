import { documentClient } from '../../shared/clients/dynamodb.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { type ApiEvent, type ApiResult, json, parseJsonBody } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { createDeliveryStore } from './adapters/dynamodb-store.ts';
import { putDelivery } from './core/lifecycle.ts';
import { toStatusBody } from './core/model.ts';
import { PutDeliveryBody } from './internal-schemas.ts';
import { deliveryIdOf } from './params.ts';

// Internal `PUT /deliveries/{deliveryId}`: the scheduler creates the delivery as Requested.

const config = loadConfig({ TABLE_NAME: requiredString() });
const deps = { store: createDeliveryStore(documentClient, config.TABLE_NAME), now: () => new Date() };

export async function core(event: ApiEvent): Promise<ApiResult> {
  const deliveryId = deliveryIdOf(event);
  const body = parseJsonBody(event, PutDeliveryBody);
  const record = await putDelivery(deps, deliveryId, body);
  return json(200, toStatusBody(record));
}

export const handler = httpHandler(core);
