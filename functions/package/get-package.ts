import { documentClient } from '../../shared/clients/dynamodb.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { type ApiEvent, json, validate } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { createPackageStore } from './adapters/dynamodb-store.ts';
import { getPackage } from './core/packages.ts';
import { DeliveryIdParams } from './schemas.ts';

const config = loadConfig({ TABLE_NAME: requiredString() });
const store = createPackageStore(documentClient, config.TABLE_NAME);

/** GET /packages/{deliveryId}: the delivery's package. */
export async function core(event: ApiEvent) {
  const { deliveryId } = validate(DeliveryIdParams, event.pathParameters ?? {}, 'The path is invalid.');
  return json(200, await getPackage({ store }, deliveryId));
}

export const handler = httpHandler(core);
