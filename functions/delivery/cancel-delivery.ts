import { type ApiEvent, type ApiResult, json, validate } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { cancelDelivery } from './core/lifecycle.ts';
import { toStatusBody } from './core/model.ts';
import { transitionDeps } from './deps.ts';
import { CancelDeliveryQuery } from './internal-schemas.ts';
import { deliveryIdOf } from './params.ts';

// Internal `DELETE /deliveries/{deliveryId}?reason=…`: cancels; emits DeliveryCancelled once.

const deps = transitionDeps();

export async function core(event: ApiEvent): Promise<ApiResult> {
  const deliveryId = deliveryIdOf(event);
  const query = validate(CancelDeliveryQuery, event.queryStringParameters ?? {}, 'The query is invalid.');
  const { record } = await cancelDelivery(deps, deliveryId, query.reason);
  return json(200, toStatusBody(record));
}

export const handler = httpHandler(core);
