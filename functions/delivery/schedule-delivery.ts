import { type ApiEvent, type ApiResult, json, parseJsonBody } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { scheduleDelivery } from './core/lifecycle.ts';
import { toStatusBody } from './core/model.ts';
import { transitionDeps } from './deps.ts';
import { ScheduleDeliveryBody } from './internal-schemas.ts';
import { deliveryIdOf } from './params.ts';

// Internal `PUT /deliveries/{deliveryId}/schedule`: the first drone assignment; emits DeliveryCreated once.

const deps = transitionDeps();

export async function core(event: ApiEvent): Promise<ApiResult> {
  const deliveryId = deliveryIdOf(event);
  const body = parseJsonBody(event, ScheduleDeliveryBody);
  const { record } = await scheduleDelivery(deps, deliveryId, body);
  return json(200, toStatusBody(record));
}

export const handler = httpHandler(core);
