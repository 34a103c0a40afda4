import { documentClient } from '../../shared/clients/dynamodb.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { NotFoundError } from '../../shared/errors.ts';
import { type ApiEvent, type ApiResult, json } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { createDeliveryStore } from './adapters/dynamodb-store.ts';
import { toStatusBody } from './core/model.ts';
import { deliveryIdOf } from './params.ts';

// Internal `GET /deliveries/{deliveryId}`: any delivery, for the scheduler (IAM-authorized, no owner check).

const config = loadConfig({ TABLE_NAME: requiredString() });
const store = createDeliveryStore(documentClient, config.TABLE_NAME);

export async function core(event: ApiEvent): Promise<ApiResult> {
  const deliveryId = deliveryIdOf(event);
  const record = await store.get(deliveryId);
  if (!record) throw new NotFoundError(`Delivery ${deliveryId} does not exist.`);
  return json(200, toStatusBody(record));
}

export const handler = httpHandler(core);
