import { documentClient } from '../../shared/clients/dynamodb.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { type ApiEvent, type ApiResult, callerOf, json, validate } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { createDeliveryStore } from './adapters/dynamodb-store.ts';
import { toStatusBody } from './core/model.ts';
import { listDeliveries } from './core/queries.ts';
import { ListDeliveriesQuery } from './schemas.ts';

// Public `GET /v1/deliveries?limit=&nextToken=`: the caller's account's deliveries, newest first.

const config = loadConfig({ TABLE_NAME: requiredString() });
const store = createDeliveryStore(documentClient, config.TABLE_NAME);

export async function core(event: ApiEvent): Promise<ApiResult> {
  const caller = callerOf(event);
  const query = validate(ListDeliveriesQuery, event.queryStringParameters ?? {}, 'The query is invalid.');
  const page = await listDeliveries(store, caller.accountId, query.limit, query.nextToken);
  return json(200, {
    items: page.items.map(toStatusBody),
    ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
  });
}

export const handler = httpHandler(core);
