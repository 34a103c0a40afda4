import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { NotificationMessage } from '../core/sender.ts';

/** The messages the recording sender wrote (optionally of one delivery), oldest first. */
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
