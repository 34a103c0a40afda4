import { documentClient } from '../../shared/clients/dynamodb.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { type ApiEvent, type ApiResult, json } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { createDeliveryStore } from './adapters/dynamodb-store.ts';
import { deliveryIdOf } from './params.ts';

// Internal `GET /deliveries/{deliveryId}/subscriptions`: who wants to hear about a delivery (Notifications).
// An unknown delivery simply has no subscriptions.

const config = loadConfig({ TABLE_NAME: requiredString() });
const store = createDeliveryStore(documentClient, config.TABLE_NAME);

export async function core(event: ApiEvent): Promise<ApiResult> {
  const deliveryId = deliveryIdOf(event);
  const subscriptions = await store.listSubscriptions(deliveryId);
  return json(200, {
    items: subscriptions.map(({ subscriptionId, channel, target }) => ({ subscriptionId, channel, target })),
  });
}

export const handler = httpHandler(core);
