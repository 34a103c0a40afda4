import { documentClient } from '../../shared/clients/dynamodb.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { type ApiEvent, json, parseJsonBody, validate } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { assignDrone } from './core/assignment.ts';
import { createDroneStore } from './core/store.ts';
import { AssignDroneRequest, DeliveryIdParams } from './schemas.ts';

const config = loadConfig({ TABLE_NAME: requiredString() });
const store = createDroneStore(documentClient, config.TABLE_NAME);

/** PUT /drones/assignments/{deliveryId}: assigns (or re-plans) the delivery's drone. */
export async function core(event: ApiEvent) {
  const { deliveryId } = validate(DeliveryIdParams, event.pathParameters ?? {}, 'The path is invalid.');
  const request = parseJsonBody(event, AssignDroneRequest);
  const result = await assignDrone({ store, now: () => new Date() }, deliveryId, request);
  return json(200, result);
}

export const handler = httpHandler(core);
