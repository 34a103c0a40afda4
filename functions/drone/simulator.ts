import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { documentClient } from '../../shared/clients/dynamodb.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { createInternalApiClient } from '../../shared/internal-api.ts';
import { invocationHandler } from '../../shared/middleware/stacks.ts';
import { logger } from '../../shared/observability.ts';
import { createDroneStore } from './adapters/dynamodb-store.ts';
import { listFlightWork, runSimulator, type SimulatorRun, type TelemetrySink } from './core/simulator.ts';

const config = loadConfig({
  TABLE_NAME: requiredString(),
  INTERNAL_API_URL: requiredString(),
  AWS_REGION: requiredString(),
  SIMULATOR_SPEED_FACTOR: z.coerce.number().positive().default(60),
  SIMULATOR_TICK_MS: z.coerce.number().int().min(100).default(1000),
});

const store = createDroneStore(documentClient, config.TABLE_NAME);
const telemetryApi = createInternalApiClient({
  baseUrl: config.INTERNAL_API_URL,
  region: config.AWS_REGION,
  downstream: 'drone-telemetry',
  timeoutMs: 3000,
  // Looked up per call rather than bound once, so the global fetch can be observed in tests.
  fetch: (input, init) => fetch(input, init),
});

// Stop this long before the invocation's timeout, so a tick in progress always finishes.
const MARGIN_MS = 5000;

/** Posts a simulated report to the telemetry route, as a real drone would. */
export const sendTelemetry: TelemetrySink = async (droneId, report) => {
  await telemetryApi.request('POST', `/drones/${encodeURIComponent(droneId)}/telemetry`, report);
};

/** The scheduled run: flies the drones and takes off the due ones until the invocation's time is nearly spent. */
export async function core(_event: unknown, context: Context): Promise<SimulatorRun> {
  const run = await runSimulator(
    {
      listWork: (now) => listFlightWork(store, now),
      sendTelemetry,
      now: () => new Date(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      remainingMs: () => context.getRemainingTimeInMillis(),
    },
    { tickMs: config.SIMULATOR_TICK_MS, speedFactor: config.SIMULATOR_SPEED_FACTOR, marginMs: MARGIN_MS },
  );
  logger.info('simulator run finished', { ...run });
  return run;
}

export const handler = invocationHandler(
  (_event: unknown, context: Context) => `simulator-${context.awsRequestId}`,
  core,
);
