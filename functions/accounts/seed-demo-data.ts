import type { Context } from 'aws-lambda';
import { documentClient } from '../../shared/clients/dynamodb.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { invocationHandler } from '../../shared/middleware/stacks.ts';
import { logger } from '../../shared/observability.ts';
import { createAccountStore } from './adapters/dynamodb-store.ts';
import { seedDemoAccounts } from './core/accounts.ts';

const config = loadConfig({ TABLE_NAME: requiredString() });
const store = createAccountStore(documentClient, config.TABLE_NAME);

/** The deployment trigger: seeds the demo accounts; running it again changes nothing. */
export async function core(_event: unknown, _context: Context) {
  const result = await seedDemoAccounts(store);
  logger.info('demo accounts seeded', result);
  return result;
}

export const handler = invocationHandler(
  (_event: unknown, context: Context) => `seed-demo-data-${context.awsRequestId}`,
  core,
);
