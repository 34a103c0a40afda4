import { parseDroneEvent } from '../../events/schemas.ts';
import { documentClient } from '../../shared/clients/dynamodb.ts';
import { eventBridgeClient } from '../../shared/clients/eventbridge.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { sanitizeCorrelationId } from '../../shared/correlation.ts';
import { sqsHandler } from '../../shared/middleware/stacks.ts';
import { logger } from '../../shared/observability.ts';
import { createEventPublisher } from '../../shared/publisher.ts';
import { createDeliveryStore } from './core/store.ts';
import { trackDroneEvent } from './core/tracking.ts';

// SQS ← EventBridge rule on `drone-delivery.drones`: each message body is the event's envelope.

const config = loadConfig({ TABLE_NAME: requiredString(), EVENT_BUS_NAME: requiredString() });
const deps = {
  store: createDeliveryStore(documentClient, config.TABLE_NAME),
  publisher: createEventPublisher(eventBridgeClient, config.EVENT_BUS_NAME),
  now: () => new Date(),
};

export const handler = sqsHandler(
  {
    parse: (record) => parseDroneEvent(JSON.parse(record.body)),
    correlationIdOf: (event) => sanitizeCorrelationId(event.detail.metadata.correlationId),
  },
  async (event) => {
    const outcome = await trackDroneEvent(deps, event);
    logger.info('drone event tracked', {
      eventId: event.envelope.id,
      detailType: event.detailType,
      droneId: event.detail.droneId,
      deliveryId: event.detail.deliveryId,
      outcome,
    });
  },
);
