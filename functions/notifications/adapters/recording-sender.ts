import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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
