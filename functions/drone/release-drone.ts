import { documentClient } from '../../shared/clients/dynamodb.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { type ApiEvent, json, validate } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { createDroneStore } from './adapters/dynamodb-store.ts';
import { releaseDrone } from './core/assignment.ts';
import { DeliveryIdParams } from './schemas.ts';

const config = loadConfig({ TABLE_NAME: requiredString() });
const store = createDroneStore(documentClient, config.TABLE_NAME);

/** DELETE /drones/assignments/{deliveryId}: frees the delivery's drone (idempotent). */
export async function core(event: ApiEvent) {
  const { deliveryId } = validate(DeliveryIdParams, event.pathParameters ?? {}, 'The path is invalid.');
  return json(200, await releaseDrone({ store }, deliveryId));
}

export const handler = httpHandler(core);
