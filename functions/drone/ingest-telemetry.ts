import { documentClient } from '../../shared/clients/dynamodb.ts';
import { eventBridgeClient } from '../../shared/clients/eventbridge.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { currentCorrelationId } from '../../shared/correlation.ts';
import { ValidationError } from '../../shared/errors.ts';
import { type ApiEvent, json, parseJsonBody, validate } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { createEventPublisher } from '../../shared/publisher.ts';
import { createDroneStore } from './adapters/dynamodb-store.ts';
import { ingestTelemetry } from './core/telemetry.ts';
import { DroneIdParams, TelemetryRequest } from './schemas.ts';

const config = loadConfig({ TABLE_NAME: requiredString(), EVENT_BUS_NAME: requiredString() });
const store = createDroneStore(documentClient, config.TABLE_NAME);
const publisher = createEventPublisher(eventBridgeClient, config.EVENT_BUS_NAME);

// A report from the future would make every later, genuine report look out of order.
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** POST /drones/{droneId}/telemetry: stores a drone's report and publishes the drone events. */
export async function core(event: ApiEvent) {
  const { droneId } = validate(DroneIdParams, event.pathParameters ?? {}, 'The path is invalid.');
  const telemetry = parseJsonBody(event, TelemetryRequest);
  if (Date.parse(telemetry.recordedAt) > Date.now() + MAX_CLOCK_SKEW_MS) {
    throw new ValidationError('recordedAt lies in the future.', [
      { path: '/recordedAt', message: 'must not be later than now' },
    ]);
  }
  const outcome = await ingestTelemetry(
    { store, publisher, now: () => new Date(), correlationId: currentCorrelationId() },
    droneId,
    telemetry,
  );
  return json(202, { droneId, accepted: outcome !== 'stale' });
}

export const handler = httpHandler(core);
