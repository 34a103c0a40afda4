import type { Context } from 'aws-lambda';
import { documentClient } from '../../shared/clients/dynamodb.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { type ApiEvent, type ApiResult, callerOf, json } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { createRequestLookup } from '../../shared/request-lookup.ts';
import { createDeliveryStore } from './adapters/dynamodb-store.ts';
import { getDeliveryStatus } from './core/requested.ts';
import { deliveryIdOf } from './params.ts';

// Public `GET /v1/deliveries/{deliveryId}`: the caller's own delivery; any other is 404. A delivery
// accepted but not created here yet is read from the Scheduler's stored request (core/requested.ts).

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
  const status = await getDeliveryStatus(
    { store, requests, remainingTimeMs: () => context.getRemainingTimeInMillis() },
    caller.accountId,
    deliveryId,
  );
  return json(200, status);
}

export const handler = httpHandler(core);
