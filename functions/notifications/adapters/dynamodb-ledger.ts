import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type SentLedger, sentKey } from '../core/ledger.ts';
import type { NotificationMessage } from '../core/sender.ts';

// The ledger's items and why a message is claimed before it is sent: core/ledger.ts.

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
