import type { Context } from 'aws-lambda';
import { documentClient } from '../../shared/clients/dynamodb.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { DeliveryIdParam } from '../../shared/contracts.ts';
import { type ApiEvent, type ApiResult, callerOf, json, validate } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { createRequestLookup } from '../../shared/request-lookup.ts';
import { createHistoryStore } from './adapters/dynamodb-store.ts';
import { getHistory } from './core/history.ts';
import { HistoryQuery } from './schemas.ts';

// Public `GET /v1/deliveries/{deliveryId}/history?limit=&nextToken=`: every event, oldest first, owner only.

const config = loadConfig({
  TABLE_NAME: requiredString(),
  INTERNAL_API_URL: requiredString(),
  AWS_REGION: requiredString(),
});
const store = createHistoryStore(documentClient, config.TABLE_NAME);
// Module level: the breaker must remember a failing Scheduler across invocations.
const requests = createRequestLookup({
  baseUrl: config.INTERNAL_API_URL,
  region: config.AWS_REGION,
});

export async function core(event: ApiEvent, context: Context): Promise<ApiResult> {
  const caller = callerOf(event);
  const deliveryId = validate(
    DeliveryIdParam,
    event.pathParameters?.deliveryId,
    'The delivery id is invalid.',
  );
  const query = validate(HistoryQuery, event.queryStringParameters ?? {}, 'The query is invalid.');
  const deps = { store, requests, remainingTimeMs: () => context.getRemainingTimeInMillis() };
  const page = await getHistory(deps, caller.accountId, deliveryId, query.limit, query.nextToken);
  return json(200, page);
}

export const handler = httpHandler(core);
