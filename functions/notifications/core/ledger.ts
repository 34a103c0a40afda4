import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
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

function isConditionalFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** The DynamoDB adapter of the ledger. */
export function createSentLedger(client: DynamoDBDocumentClient, tableName: string): SentLedger {
  const settle = async (message: NotificationMessage, values: Record<string, unknown>) => {
    const sets = Object.keys(values).map((name) => `#${name} = :${name}`);
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: sentKey(message.eventId, message.subscriptionId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(Object.keys(values).map((name) => [`#${name}`, name])),
        ExpressionAttributeValues: Object.fromEntries(
          Object.entries(values).map(([name, value]) => [`:${name}`, value]),
        ),
      }),
    );
  };
  return {
    async claim(message, now, leaseMs) {
      const claimedAt = now.getTime();
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...sentKey(message.eventId, message.subscriptionId),
              ...message,
              status: 'sending',
              claimedAt,
            },
            // A `sending` item whose lease expired belongs to an invocation that died mid-send.
            ConditionExpression: 'attribute_not_exists(pk) OR (#status = :sending AND claimedAt < :expired)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':sending': 'sending', ':expired': claimedAt - leaseMs },
          }),
        );
        return { kind: 'claimed', claimedAt };
      } catch (error) {
        if (!isConditionalFailure(error)) throw error;
        const existing = await client.send(
          new GetCommand({
            TableName: tableName,
            Key: sentKey(message.eventId, message.subscriptionId),
            ConsistentRead: true,
          }),
        );
        return existing.Item?.status === 'sending' ? { kind: 'busy' } : { kind: 'done' };
      }
    },
    async complete(message, now, providerMessageId) {
      await settle(message, {
        status: 'sent',
        sentAt: now.toISOString(),
        ...(providerMessageId === undefined ? {} : { providerMessageId }),
      });
    },
    async reject(message, now, reason) {
      await settle(message, { status: 'rejected', rejectedAt: now.toISOString(), rejection: reason });
    },
    async release(message, claimedAt) {
      try {
        await client.send(
          new DeleteCommand({
            TableName: tableName,
            Key: sentKey(message.eventId, message.subscriptionId),
            ConditionExpression: '#status = :sending AND claimedAt = :claimedAt',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':sending': 'sending', ':claimedAt': claimedAt },
          }),
        );
      } catch (error) {
        if (!isConditionalFailure(error)) throw error;
      }
    },
  };
}
