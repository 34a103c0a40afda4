import type { NotificationMessage } from './sender.ts';

// The Notifications table's `SENT#<eventId>#<subscriptionId>`/`SENT` items: one per event and subscriber,
// keyed by the event's `metadata.eventId`, which stays the same when the event is published again.
// Each is claimed (status `sending`, with a lease) before the message goes out and marked `sent`
// after, so a repeated event sends nothing again. The at-least-once edge: if the function dies after
// the channel accepted the message but before `sent` is written, the lease expires and a redelivery
// sends it a second time; the opposite choice (mark first, then send) could lose it instead.

/** The key of the item that records one message. */
export function sentKey(eventId: string, subscriptionId: string) {
  return { pk: `SENT#${eventId}#${subscriptionId}`, sk: 'SENT' };
}

/** Result of a claim: ours to send, already settled, or held by a concurrent invocation. */
export type ClaimResult = { kind: 'claimed'; claimedAt: number } | { kind: 'done' } | { kind: 'busy' };

/** Idempotency records of sent notifications. */
export interface SentLedger {
  claim(message: NotificationMessage, now: Date, leaseMs: number): Promise<ClaimResult>;
  complete(message: NotificationMessage, now: Date, providerMessageId: string | undefined): Promise<void>;
  reject(message: NotificationMessage, now: Date, reason: string): Promise<void>;
  /** Gives a claim back after a transient failure, so the retry can send at once. */
  release(message: NotificationMessage, claimedAt: number): Promise<void>;
}
