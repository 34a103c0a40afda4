import { type ApiEvent, type ApiResult, json, parseJsonBody } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { rejectReschedule } from './core/lifecycle.ts';
import { toStatusBody } from './core/model.ts';
import { transitionDeps } from './deps.ts';
import { RejectRescheduleBody } from './internal-schemas.ts';
import { deliveryIdOf } from './params.ts';

// Internal `PUT /deliveries/{deliveryId}/reschedule-rejection`: a reschedule that cannot be served.
// The delivery stays exactly as it is; DeliveryRescheduleRejected is emitted once per requestId.

const deps = transitionDeps();

export async function core(event: ApiEvent): Promise<ApiResult> {
  const deliveryId = deliveryIdOf(event);
  const body = parseJsonBody(event, RejectRescheduleBody);
  const { record } = await rejectReschedule(deps, deliveryId, body);
  return json(200, toStatusBody(record));
}

export const handler = httpHandler(core);
