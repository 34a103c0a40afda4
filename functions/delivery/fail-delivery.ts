import { documentClient } from '../../shared/clients/dynamodb.ts';
import { eventBridgeClient } from '../../shared/clients/eventbridge.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { type ApiEvent, type ApiResult, json, parseJsonBody } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { createEventPublisher } from '../../shared/publisher.ts';
import { failDelivery } from './core/lifecycle.ts';
import { toStatusBody } from './core/model.ts';
import { createDeliveryStore } from './core/store.ts';
import { FailDeliveryBody } from './internal-schemas.ts';
import { deliveryIdOf } from './params.ts';

// Internal `PUT /deliveries/{deliveryId}/failure`: the scheduler gave up; emits DeliveryFailed once.

const config = loadConfig({ TABLE_NAME: requiredString(), EVENT_BUS_NAME: requiredString() });
const deps = {
  store: createDeliveryStore(documentClient, config.TABLE_NAME),
  publisher: createEventPublisher(eventBridgeClient, config.EVENT_BUS_NAME),
  now: () => new Date(),
};

export async function core(event: ApiEvent): Promise<ApiResult> {
  const deliveryId = deliveryIdOf(event);
  const body = parseJsonBody(event, FailDeliveryBody);
  const { record } = await failDelivery(deps, deliveryId, body);
  return json(200, toStatusBody(record));
}

export const handler = httpHandler(core);
