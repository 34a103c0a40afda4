import { documentClient } from '../../shared/clients/dynamodb.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { type ApiEvent, json, validate } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { createPackageStore } from './adapters/dynamodb-store.ts';
import { cancelPackage } from './core/packages.ts';
import { DeliveryIdParams } from './schemas.ts';

const config = loadConfig({ TABLE_NAME: requiredString() });
const store = createPackageStore(documentClient, config.TABLE_NAME);

/** DELETE /packages/{deliveryId}: cancels the delivery's package (idempotent). */
export async function core(event: ApiEvent) {
  const { deliveryId } = validate(DeliveryIdParams, event.pathParameters ?? {}, 'The path is invalid.');
  return json(200, await cancelPackage({ store, now: () => new Date() }, deliveryId));
}

export const handler = httpHandler(core);
