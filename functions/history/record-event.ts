import { parseDeliveryEvent } from '../../events/schemas.ts';
import { documentClient } from '../../shared/clients/dynamodb.ts';
import { loadConfig, requiredString } from '../../shared/config.ts';
import { sanitizeCorrelationId } from '../../shared/correlation.ts';
import { sqsHandler } from '../../shared/middleware/stacks.ts';
import { logger } from '../../shared/observability.ts';
import { createHistoryStore } from './adapters/dynamodb-store.ts';
import { recordEvent } from './core/history.ts';

// SQS ← EventBridge rule on `drone-delivery.deliveries`: each message body is the event's envelope.

const config = loadConfig({ TABLE_NAME: requiredString() });
const store = createHistoryStore(documentClient, config.TABLE_NAME);

export const handler = sqsHandler(
  {
    parse: (record) => parseDeliveryEvent(JSON.parse(record.body)),
    correlationIdOf: (event) => sanitizeCorrelationId(event.detail.metadata.correlationId),
  },
  async (event) => {
    const recorded = await recordEvent(store, event);
    logger.info(recorded ? 'delivery event recorded' : 'delivery event already recorded', {
      eventId: event.eventId,
      envelopeId: event.envelope.id,
      detailType: event.detailType,
      deliveryId: event.detail.deliveryId,
    });
  },
);
