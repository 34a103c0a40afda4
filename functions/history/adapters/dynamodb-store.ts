import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { HistoryEntry, type HistoryStore } from '../core/store.ts';

// The History table (docs/internals.md): `DELIVERY#<id>`/`EVENT#<time>#<eventId>` once per event,
// `DELIVERY#<id>`/`EVENTID#<eventId>` marking that the event is recorded, and `DELIVERY#<id>`/`OWNER`
// with the account that may read the history. The entry is keyed by time to be read in order; the
// marker, keyed by the event's id alone, is what makes it once: an event published again with
// another time (or under another envelope) meets the marker and is not recorded twice.

const EVENT_PREFIX = 'EVENT#';
const MARKER_PREFIX = 'EVENTID#';
const OWNER_SK = 'OWNER';
const partition = (deliveryId: string) => `DELIVERY#${deliveryId}`;

/** The sort key of an entry: its time first, so a query reads the history in order. */
function entryKey(deliveryId: string, occurredAt: string, eventId: string) {
  return { pk: partition(deliveryId), sk: `${EVENT_PREFIX}${occurredAt}#${eventId}` };
}

/** The key of the item that says an event is recorded. */
function markerKey(deliveryId: string, eventId: string) {
  return { pk: partition(deliveryId), sk: `${MARKER_PREFIX}${eventId}` };
}

function cancellationCodes(error: unknown): (string | undefined)[] | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
  return reasons.map((reason) => reason.Code);
}

// The marker or the entry exists (an entry recorded before markers existed has no marker).
const isDuplicate = (codes: (string | undefined)[]) =>
  codes[0] === 'ConditionalCheckFailed' || codes[1] === 'ConditionalCheckFailed';

// Copies of one event recorded at the same moment: all but one transaction are cancelled with a
// conflict; they try again (the next attempt meets the marker) instead of failing the message.
const CONFLICT_ATTEMPTS = 5;
const conflictPause = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** attempt));

/** The DynamoDB adapter of the History store. */
export function createHistoryStore(client: DynamoDBDocumentClient, tableName: string): HistoryStore {
  return {
    async record(deliveryId, accountId, entry) {
      const command = new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tableName,
              Item: { ...markerKey(deliveryId, entry.eventId), occurredAt: entry.occurredAt },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName: tableName,
              Item: { ...entryKey(deliveryId, entry.occurredAt, entry.eventId), ...entry },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          ...(accountId === undefined
            ? []
            : [
                {
                  Put: {
                    TableName: tableName,
                    Item: { pk: partition(deliveryId), sk: OWNER_SK, deliveryId, accountId },
                  },
                },
              ]),
        ],
      });
      for (let attempt = 1; ; attempt++) {
        try {
          await client.send(command);
          return true;
        } catch (error) {
          const codes = cancellationCodes(error);
          if (codes === undefined) throw error;
          if (isDuplicate(codes)) return false;
          if (!codes.includes('TransactionConflict') || attempt >= CONFLICT_ATTEMPTS) throw error;
          await conflictPause(attempt);
        }
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
