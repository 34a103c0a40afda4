import * as z from 'zod';
import { documentClient } from '../../shared/clients/dynamodb.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { type ApiEvent, json, parseJsonBody, validate } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { createDroneStore } from './adapters/dynamodb-store.ts';
import { assignDrone } from './core/assignment.ts';
import { AssignDroneRequest, DeliveryIdParams } from './schemas.ts';

const config = loadConfig({
  TABLE_NAME: requiredString(),
  // How many times faster than nominal the drones really fly: the dev stages' simulator speed
  // factor (infra/services/drone.ts), so that a booking holds a drone as long as its flight lasts.
  FLIGHT_TIME_SCALE: z.coerce.number().min(1).default(1),
});
const store = createDroneStore(documentClient, config.TABLE_NAME);

/** PUT /drones/assignments/{deliveryId}: books (or re-books) a drone for the delivery's window. */
export async function core(event: ApiEvent) {
  const { deliveryId } = validate(DeliveryIdParams, event.pathParameters ?? {}, 'The path is invalid.');
  const request = parseJsonBody(event, AssignDroneRequest);
  const result = await assignDrone(
    { store, now: () => new Date(), timeScale: config.FLIGHT_TIME_SCALE },
    deliveryId,
    request,
  );
  return json(200, result);
}

export const handler = httpHandler(core);
