import { parseDeliveryEvent } from '../../events/schemas.ts';
import { documentClient } from '../../shared/clients/dynamodb.ts';
import { sanitizeCorrelationId } from '../../shared/correlation.ts';
import { sqsHandler } from '../../shared/middleware/stacks.ts';
import { logger } from '../../shared/observability.ts';
import { createSchedulerStore } from './adapters/dynamodb-store.ts';
import { recordDeliveryStage } from './core/stages.ts';
import { loadTableConfig } from './deps.ts';

// SQS ← EventBridge rule on the delivery events that tell a stage: keeps the stage the scheduler
// knows on the request, so PATCH and DELETE answer 409 without calling the Delivery service.

const store = createSchedulerStore(documentClient, loadTableConfig().TABLE_NAME);

export const handler = sqsHandler(
  {
    parse: (record) => parseDeliveryEvent(JSON.parse(record.body)),
    correlationIdOf: (event) => sanitizeCorrelationId(event.detail.metadata.correlationId),
  },
  async (event) => {
    const change = await recordDeliveryStage(store, event);
    const fields = {
      eventId: event.eventId,
      detailType: event.detailType,
      deliveryId: event.detail.deliveryId,
    };
    if (change === 'unknown-delivery') logger.warn('delivery event for no stored request; ignored', fields);
    else
      logger.info(change === 'applied' ? 'delivery stage recorded' : 'delivery stage already known', fields);
  },
);
