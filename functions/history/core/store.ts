import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';

// The History table (docs/internals.md): `DELIVERY#<id>`/`EVENT#<time>#<eventId>` once per event,
// and `DELIVERY#<id>`/`OWNER` with the account that may read the history.

const EVENT_PREFIX = 'EVENT#';
const OWNER_SK = 'OWNER';
const partition = (deliveryId: string) => `DELIVERY#${deliveryId}`;

export const HistoryEntry = z.object({
  eventId: z.string(),
  type: z.string(),
  occurredAt: z.string(),
  data: z.record(z.string(), z.unknown()),
  correlationId: z.string(),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/** A page of a delivery's history, oldest first. */
export interface HistoryPage {
  items: HistoryEntry[];
  /** Key of the last entry returned when more follow. */
  lastKey?: { pk: string; sk: string };
}

/** What the History service's logic needs from its table. */
export interface HistoryStore {
  /** Stores the entry and the owner together; false when the event was recorded before. */
  record(deliveryId: string, accountId: string, entry: HistoryEntry): Promise<boolean>;
  ownerOf(deliveryId: string): Promise<string | undefined>;
  list(deliveryId: string, limit: number, startKey?: { pk: string; sk: string }): Promise<HistoryPage>;
}

/** The sort key of an entry: its time first, so a query reads the history in order. */
export function entryKey(deliveryId: string, occurredAt: string, eventId: string) {
  return { pk: partition(deliveryId), sk: `${EVENT_PREFIX}${occurredAt}#${eventId}` };
}

function isDuplicate(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return false;
  const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
  return reasons[0]?.Code === 'ConditionalCheckFailed';
}

/** The DynamoDB adapter of the History store. */
export function createHistoryStore(client: DynamoDBDocumentClient, tableName: string): HistoryStore {
  return {
    async record(deliveryId, accountId, entry) {
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: tableName,
                  Item: { ...entryKey(deliveryId, entry.occurredAt, entry.eventId), ...entry },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Put: {
                  TableName: tableName,
                  Item: { pk: partition(deliveryId), sk: OWNER_SK, deliveryId, accountId },
                },
              },
            ],
          }),
        );
        return true;
      } catch (error) {
        if (isDuplicate(error)) return false;
        throw error;
      }
    },

    async ownerOf(deliveryId) {
      const result = await client.send(
        new GetCommand({ TableName: tableName, Key: { pk: partition(deliveryId), sk: OWNER_SK } }),
      );
      const accountId = result.Item?.accountId;
      return typeof accountId === 'string' ? accountId : undefined;
    },

    async list(deliveryId, limit, startKey) {
      // One entry more than asked tells whether another page exists.
      const result = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': partition(deliveryId), ':prefix': EVENT_PREFIX },
          ScanIndexForward: true,
          Limit: limit + 1,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      const raw = result.Items ?? [];
      const page = raw.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map((item) => HistoryEntry.parse(item)),
        ...(raw.length > limit && last !== undefined
          ? { lastKey: { pk: String(last.pk), sk: String(last.sk) } }
          : {}),
      };
    },
  };
}
