import * as z from 'zod';
import { parseDeliveryEvent } from '../../events/schemas.ts';
import { documentClient } from '../../shared/clients/dynamodb.ts';
import { sesClient } from '../../shared/clients/ses.ts';
import { snsClient } from '../../shared/clients/sns.ts';
import { ConfigError, loadConfig, requiredString } from '../../shared/config.ts';
import { sanitizeCorrelationId } from '../../shared/correlation.ts';
import { createInternalApiClient } from '../../shared/internal-api.ts';
import { sqsHandler } from '../../shared/middleware/stacks.ts';
import { logger } from '../../shared/observability.ts';
import { createDownstream } from '../../shared/resilience.ts';
import { createAwsSender } from './adapters/aws-sender.ts';
import { createSentLedger } from './adapters/dynamodb-ledger.ts';
import { createSubscriptionSource } from './adapters/internal-api.ts';
import { createRecordingSender } from './adapters/recording-sender.ts';
import { sendNotifications } from './core/notify.ts';
import type { NotificationSender } from './core/sender.ts';

// SQS ← EventBridge rule on `drone-delivery.deliveries`: tells each subscriber of the delivery.

const config = loadConfig({
  TABLE_NAME: requiredString(),
  INTERNAL_API_URL: z.url(),
  AWS_REGION: requiredString(),
  NOTIFICATION_SENDER: z.enum(['aws', 'recording']),
  NOTIFICATION_FROM_ADDRESS: z.email().optional(),
});

/** The sender `NOTIFICATION_SENDER` names; `aws` needs `NOTIFICATION_FROM_ADDRESS`. */
export function chooseSender(settings: typeof config): NotificationSender {
  if (settings.NOTIFICATION_SENDER === 'recording') {
    return createRecordingSender(documentClient, settings.TABLE_NAME);
  }
  if (settings.NOTIFICATION_FROM_ADDRESS === undefined) {
    throw new ConfigError(
      'Invalid configuration: NOTIFICATION_FROM_ADDRESS is not set (NOTIFICATION_SENDER=aws)',
    );
  }
  return createAwsSender({ ses: sesClient, sns: snsClient, fromAddress: settings.NOTIFICATION_FROM_ADDRESS });
}

// The Lambda's timeout is 30 s: a claim outlives any invocation that could still be sending.
const LEASE_MS = 120_000;

const deps = {
  subscriptions: createSubscriptionSource(
    createInternalApiClient({
      baseUrl: config.INTERNAL_API_URL,
      region: config.AWS_REGION,
      downstream: 'delivery',
      timeoutMs: 3_000,
    }),
    createDownstream(
      'delivery',
      { consecutiveFailures: 5, halfOpenAfterMs: 10_000 },
      { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000, reserveMs: 4_000 },
    ),
  ),
  sender: chooseSender(config),
  ledger: createSentLedger(documentClient, config.TABLE_NAME),
  now: () => new Date(),
  leaseMs: LEASE_MS,
};

export const handler = sqsHandler(
  {
    parse: (record) => parseDeliveryEvent(JSON.parse(record.body)),
    correlationIdOf: (event) => sanitizeCorrelationId(event.detail.metadata.correlationId),
  },
  async (event, _record, context) => {
    const summary = await sendNotifications(deps, event, () => context.getRemainingTimeInMillis());
    logger.info('delivery event notified', {
      eventId: event.eventId,
      envelopeId: event.envelope.id,
      detailType: event.detailType,
      deliveryId: event.detail.deliveryId,
      ...summary,
    });
  },
);
