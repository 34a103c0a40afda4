import { documentClient } from '../../shared/clients/dynamodb.ts';
import { eventBridgeClient } from '../../shared/clients/eventbridge.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { type ApiEvent, type ApiResult, json, validate } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { createEventPublisher } from '../../shared/publisher.ts';
import { cancelDelivery } from './core/lifecycle.ts';
import { toStatusBody } from './core/model.ts';
import { createDeliveryStore } from './core/store.ts';
import { CancelDeliveryQuery } from './internal-schemas.ts';
import { deliveryIdOf } from './params.ts';

// Internal `DELETE /deliveries/{deliveryId}?reason=…`: cancels; emits DeliveryCancelled once.

const config = loadConfig({ TABLE_NAME: requiredString(), EVENT_BUS_NAME: requiredString() });
const deps = {
  store: createDeliveryStore(documentClient, config.TABLE_NAME),
  publisher: createEventPublisher(eventBridgeClient, config.EVENT_BUS_NAME),
  now: () => new Date(),
};

export async function core(event: ApiEvent): Promise<ApiResult> {
  const deliveryId = deliveryIdOf(event);
  const query = validate(CancelDeliveryQuery, event.queryStringParameters ?? {}, 'The query is invalid.');
  const { record } = await cancelDelivery(deps, deliveryId, query.reason);
  return json(200, toStatusBody(record));
}

export const handler = httpHandler(core);
