import { type ApiEvent, type ApiResult, json, parseJsonBody } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { markWaiting } from './core/lifecycle.ts';
import { toStatusBody } from './core/model.ts';
import { transitionDeps } from './deps.ts';
import { WaitingBody } from './internal-schemas.ts';
import { deliveryIdOf } from './params.ts';

// Internal `PUT /deliveries/{deliveryId}/waiting`: a Requested delivery waits for a free drone until
// a time (shown in its status while it is Requested); no event. 409 in any other stage.

const deps = transitionDeps();

export async function core(event: ApiEvent): Promise<ApiResult> {
  const deliveryId = deliveryIdOf(event);
  const body = parseJsonBody(event, WaitingBody);
  const { record } = await markWaiting(deps, deliveryId, body);
  return json(200, toStatusBody(record));
}

export const handler = httpHandler(core);
