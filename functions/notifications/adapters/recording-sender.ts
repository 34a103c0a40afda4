import { type DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { sentKey } from '../core/ledger.ts';
import type { NotificationMessage, NotificationSender } from '../core/sender.ts';

// Dev stages and the local cloud send nothing: the message is written onto its `SENT#…` item
// (`recordedAt`, `recordedMessage`), where tests and testers read it.

/** The sender that records messages in the Notifications table instead of sending them. */
export function createRecordingSender(
  client: DynamoDBDocumentClient,
  tableName: string,
  now = () => new Date(),
): NotificationSender {
  return {
    async send(message: NotificationMessage) {
      const recordedAt = now().toISOString();
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: sentKey(message.eventId, message.subscriptionId),
          UpdateExpression: 'SET recordedAt = :recordedAt, recordedMessage = :message',
          ExpressionAttributeValues: { ':recordedAt': recordedAt, ':message': message },
        }),
      );
      return { providerMessageId: `recorded-${message.eventId}-${message.subscriptionId}` };
    },
  };
}

/** The recorded messages (optionally of one delivery), oldest first: for tests and local inspection. */
export async function listRecordedMessages(
  client: DynamoDBDocumentClient,
  tableName: string,
  deliveryId?: string,
): Promise<Array<NotificationMessage & { recordedAt: string }>> {
  const messages: Array<NotificationMessage & { recordedAt: string }> = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const result = await client.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'begins_with(pk, :prefix) AND attribute_exists(recordedAt)',
        ExpressionAttributeValues: { ':prefix': 'SENT#' },
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of result.Items ?? []) {
      const message = item.recordedMessage as NotificationMessage;
      if (deliveryId === undefined || message.deliveryId === deliveryId) {
        messages.push({ ...message, recordedAt: String(item.recordedAt) });
      }
    }
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return messages.sort((a, b) => a.recordedAt.localeCompare(b.recordedAt));
}
