import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { documentClient } from '../../shared/clients/dynamodb.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { invocationHandler } from '../../shared/middleware/stacks.ts';
import { logger } from '../../shared/observability.ts';
import { createDroneStore } from './adapters/dynamodb-store.ts';
import { seedFleet } from './core/fleet.ts';

const config = loadConfig({
  TABLE_NAME: requiredString(),
  // As for the assignments (assign-drone.ts): charging is as much faster as the simulated flights.
  FLIGHT_TIME_SCALE: z.coerce.number().min(1).default(1),
});
const store = createDroneStore(documentClient, config.TABLE_NAME);

/** The deployment trigger: seeds the demo fleet; running it again changes nothing. */
export async function core(_event: unknown, _context: Context) {
  const result = await seedFleet(store, new Date(), config.FLIGHT_TIME_SCALE);
  logger.info('drone fleet seeded', result);
  return result;
}

export const handler = invocationHandler(
  (_event: unknown, context: Context) => `seed-fleet-${context.awsRequestId}`,
  core,
);
