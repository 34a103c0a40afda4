import { documentClient } from '../../shared/clients/dynamodb.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { type ApiEvent, json, parseJsonBody, validate } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { createPackageStore } from './adapters/dynamodb-store.ts';
import { putPackage } from './core/packages.ts';
import { DeliveryIdParams, PutPackageRequest } from './schemas.ts';

const config = loadConfig({ TABLE_NAME: requiredString() });
const store = createPackageStore(documentClient, config.TABLE_NAME);

/** PUT /packages/{deliveryId}: creates or updates the delivery's package. */
export async function core(event: ApiEvent) {
  const { deliveryId } = validate(DeliveryIdParams, event.pathParameters ?? {}, 'The path is invalid.');
  const spec = parseJsonBody(event, PutPackageRequest);
  return json(200, await putPackage({ store, now: () => new Date() }, deliveryId, spec));
}

export const handler = httpHandler(core);
