import type { Context } from 'aws-lambda';
import { documentClient } from '../../shared/clients/dynamodb.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { type ApiEvent, type ApiResult, callerOf, json, parseJsonBody } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { createRequestLookup } from '../../shared/request-lookup.ts';
import { createDeliveryStore } from './adapters/dynamodb-store.ts';
import { requestNotification } from './core/queries.ts';
import { deliveryIdOf } from './params.ts';
import { NotificationRequest } from './schemas.ts';

// Public `POST /v1/deliveries/{deliveryId}/notifications`: email or SMS when the delivery's events happen.
// A delivery accepted but not created yet is owned per the Scheduler's stored request (shared/request-lookup.ts).

const config = loadConfig({
  TABLE_NAME: requiredString(),
  INTERNAL_API_URL: requiredString(),
  AWS_REGION: requiredString(),
});
const store = createDeliveryStore(documentClient, config.TABLE_NAME);
// Module level: the breaker must remember a failing Scheduler across invocations.
const requests = createRequestLookup({
  baseUrl: config.INTERNAL_API_URL,
  region: config.AWS_REGION,
});

export async function core(event: ApiEvent, context: Context): Promise<ApiResult> {
  const caller = callerOf(event);
  const deliveryId = deliveryIdOf(event);
  const request = parseJsonBody(event, NotificationRequest);
  const deps = {
    store,
    requests,
    now: () => new Date(),
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
  };
  const subscription = await requestNotification(deps, caller.accountId, deliveryId, request);
  return json(201, {
    subscriptionId: subscription.subscriptionId,
    channel: subscription.channel,
    target: subscription.target,
  });
}

export const handler = httpHandler(core);
