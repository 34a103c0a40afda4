import { type ApiEvent, type ApiResult, json, parseJsonBody } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { rescheduleDelivery } from './core/lifecycle.ts';
import { toStatusBody } from './core/model.ts';
import { transitionDeps } from './deps.ts';
import { RescheduleDeliveryBody } from './internal-schemas.ts';
import { deliveryIdOf } from './params.ts';

// Internal `PUT /deliveries/{deliveryId}/reschedule`: the new plan with its re-booked drone, applied
// at once (Rescheduled); emits DeliveryRescheduled once per requestId.

const deps = transitionDeps();

export async function core(event: ApiEvent): Promise<ApiResult> {
  const deliveryId = deliveryIdOf(event);
  const body = parseJsonBody(event, RescheduleDeliveryBody);
  const { record } = await rescheduleDelivery(deps, deliveryId, body);
  return json(200, toStatusBody(record));
}

export const handler = httpHandler(core);
