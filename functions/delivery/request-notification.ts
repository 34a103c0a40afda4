import { documentClient } from '../../shared/clients/dynamodb.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { type ApiEvent, type ApiResult, callerOf, json, parseJsonBody } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { requestNotification } from './core/queries.ts';
import { createDeliveryStore } from './core/store.ts';
import { deliveryIdOf } from './params.ts';
import { NotificationRequest } from './schemas.ts';

// Public `POST /v1/deliveries/{deliveryId}/notifications`: email or SMS when the delivery's events happen.

const config = loadConfig({ TABLE_NAME: requiredString() });
const deps = { store: createDeliveryStore(documentClient, config.TABLE_NAME), now: () => new Date() };

export async function core(event: ApiEvent): Promise<ApiResult> {
  const caller = callerOf(event);
  const deliveryId = deliveryIdOf(event);
  const request = parseJsonBody(event, NotificationRequest);
  const subscription = await requestNotification(deps, caller.accountId, deliveryId, request);
  return json(201, {
    subscriptionId: subscription.subscriptionId,
    channel: subscription.channel,
    target: subscription.target,
  });
}

export const handler = httpHandler(core);
