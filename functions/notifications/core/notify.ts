import type { ParsedDeliveryEvent } from '../../../events/schemas.ts';
import { logger } from '../../../shared/observability.ts';
import type { SentLedger } from './ledger.ts';
import { renderMessage } from './messages.ts';
import { type NotificationMessage, NotificationRejectedError, type NotificationSender } from './sender.ts';
import type { SubscriptionSource } from './subscriptions.ts';

/** What sending notifications needs. */
export interface NotifyDeps {
  subscriptions: SubscriptionSource;
  sender: NotificationSender;
  ledger: SentLedger;
  now: () => Date;
  /** How long a claim protects a message being sent: longer than one invocation may run. */
  leaseMs: number;
}

/** Counts of what happened to one event's messages. */
export interface NotifySummary {
  sent: number;
  alreadySent: number;
  rejected: number;
}

/** Some messages could not be sent now; the event is retried, and the messages already sent are skipped then. */
export class NotificationRetryError extends Error {
  override readonly name = 'NotificationRetryError';
}

/** Tells every subscriber of the event's delivery, once per `eventId` and subscription. */
export async function sendNotifications(
  deps: NotifyDeps,
  event: ParsedDeliveryEvent,
  remainingTimeMs: () => number,
): Promise<NotifySummary> {
  const deliveryId = event.detail.deliveryId;
  const subscriptions = await deps.subscriptions.list(deliveryId, remainingTimeMs);
  const summary: NotifySummary = { sent: 0, alreadySent: 0, rejected: 0 };
  if (subscriptions.length === 0) return summary;
  const { subject, text } = renderMessage(event);
  const retry: string[] = [];
  for (const subscription of subscriptions) {
    const message: NotificationMessage = {
      channel: subscription.channel,
      target: subscription.target,
      subject,
      text,
      // The logical event's id: the same event published again under another envelope is the same message.
      eventId: event.eventId,
      deliveryId,
      subscriptionId: subscription.subscriptionId,
    };
    const claim = await deps.ledger.claim(message, deps.now(), deps.leaseMs);
    if (claim.kind === 'done') {
      summary.alreadySent++;
      continue;
    }
    if (claim.kind === 'busy') {
      retry.push(subscription.subscriptionId);
      continue;
    }
    try {
      const receipt = await deps.sender.send(message);
      await deps.ledger.complete(message, deps.now(), receipt.providerMessageId);
      summary.sent++;
    } catch (error) {
      if (error instanceof NotificationRejectedError) {
        logger.warn('notification rejected by its channel', {
          subscriptionId: subscription.subscriptionId,
          channel: subscription.channel,
          reason: error.message,
        });
        await deps.ledger.reject(message, deps.now(), error.message);
        summary.rejected++;
        continue;
      }
      logger.warn('notification not sent; it will be retried', {
        subscriptionId: subscription.subscriptionId,
        error: error instanceof Error ? error.message : String(error),
      });
      await deps.ledger.release(message, claim.claimedAt);
      retry.push(subscription.subscriptionId);
    }
  }
  if (retry.length > 0) {
    throw new NotificationRetryError(
      `${retry.length} notification(s) of event ${event.eventId} must be retried: ${retry.join(', ')}`,
    );
  }
  return summary;
}
