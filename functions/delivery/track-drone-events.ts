import { parseDroneEvent } from '../../events/schemas.ts';
import { sanitizeCorrelationId } from '../../shared/correlation.ts';
import { sqsHandler } from '../../shared/middleware/stacks.ts';
import { logger } from '../../shared/observability.ts';
import { trackDroneEvent } from './core/tracking.ts';
import { transitionDeps } from './deps.ts';

// SQS ← EventBridge rule on `drone-delivery.drones`: each message body is the event's envelope.

const deps = transitionDeps();

export const handler = sqsHandler(
  {
    parse: (record) => parseDroneEvent(JSON.parse(record.body)),
    correlationIdOf: (event) => sanitizeCorrelationId(event.detail.metadata.correlationId),
  },
  async (event) => {
    const outcome = await trackDroneEvent(deps, event);
    logger.info('drone event tracked', {
      eventId: event.eventId,
      envelopeId: event.envelope.id,
      detailType: event.detailType,
      droneId: event.detail.droneId,
      deliveryId: event.detail.deliveryId,
      outcome,
    });
  },
);
