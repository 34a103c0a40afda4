import * as z from 'zod';
import { documentClient } from '../../shared/clients/dynamodb.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { type ApiEvent, json, validate } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { createAccountStore } from './adapters/dynamodb-store.ts';
import { getAccount } from './core/accounts.ts';

const config = loadConfig({ TABLE_NAME: requiredString() });
const store = createAccountStore(documentClient, config.TABLE_NAME);

const AccountIdParams = z.object({
  accountId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'not an account id'),
});

/** GET /accounts/{accountId}: the account's name and status. */
export async function core(event: ApiEvent) {
  const { accountId } = validate(AccountIdParams, event.pathParameters ?? {}, 'The path is invalid.');
  return json(200, await getAccount(store, accountId));
}

export const handler = httpHandler(core);
