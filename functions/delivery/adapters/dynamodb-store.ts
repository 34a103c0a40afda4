import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { OUTBOX_INDEX, outboxIndexKey } from '../../../shared/outbox.ts';
import { fullJitterDelay } from '../../../shared/resilience.ts';
import { DeliveryRecord, SubscriptionRecord } from '../core/model.ts';
import { accountPartition, type DeliveryStore, StaleVersionError } from '../core/store.ts';

// The Delivery table (docs/internals.md): `DELIVERY#<id>`/`DELIVERY` with the `byAccount` index,
// `DELIVERY#<id>`/`SUBSCRIPTION#<subscriptionId>`, and `DELIVERY#<id>`/`SUBSCRIPTIONS` counting them. A delivery item holding an outbox also
// carries `outboxShard`/`outboxSince`, the keys of the sparse `pendingOutbox` index: only items
// with an outbox are in it, so the sweeper finds abandoned ones with a Query per shard, no Scan.

const BY_ACCOUNT_INDEX = 'byAccount';
const DELIVERY_PREFIX = 'DELIVERY#';
const DELIVERY_SK = 'DELIVERY';
const SUBSCRIPTION_PREFIX = 'SUBSCRIPTION#';
// Apart from the delivery item, so that subscribing never contends with the delivery's stage changes.
const SUBSCRIPTION_COUNT_SK = 'SUBSCRIPTIONS';
// A subscription's transaction that meets a concurrent one on the counter is tried again, briefly.
const SUBSCRIBE_ATTEMPTS = 8;
const SUBSCRIBE_BASE_DELAY_MS = 25;
const SUBSCRIBE_MAX_DELAY_MS = 400;

const subscriptionKey = (deliveryId: string, subscriptionId: string) => ({
  pk: `${DELIVERY_PREFIX}${deliveryId}`,
  sk: `${SUBSCRIPTION_PREFIX}${subscriptionId}`,
});

/** The table key of a delivery item; also the shape of a page key of the `byAccount` index. */
const deliveryKey = (deliveryId: string) => ({
  pk: `${DELIVERY_PREFIX}${deliveryId}`,
  sk: DELIVERY_SK,
});

function isConditionalFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** The cancellation codes of a cancelled transaction, one per item in order; undefined for any other error. */
function cancellationCodes(error: unknown): (string | undefined)[] | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.map((reason) => reason.Code);
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function toRecord(item: Record<string, unknown>): DeliveryRecord {
  return DeliveryRecord.parse(item);
}

/** The DynamoDB adapter of the Delivery store. */
export function createDeliveryStore(client: DynamoDBDocumentClient, tableName: string): DeliveryStore {
  const get = async (deliveryId: string) => {
    const result = await client.send(
      new GetCommand({ TableName: tableName, Key: deliveryKey(deliveryId), ConsistentRead: true }),
    );
    return result.Item ? toRecord(result.Item) : undefined;
  };
  return {
    get,

    async create(record) {
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...deliveryKey(record.deliveryId),
              gsi1pk: accountPartition(record.accountId),
              gsi1sk: `${record.createdAt}#${record.deliveryId}`,
              ...record,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return { record, created: true };
      } catch (error) {
        if (!isConditionalFailure(error)) throw error;
        const existing = await get(record.deliveryId);
        if (!existing) throw error;
        return { record: existing, created: false };
      }
    },

    async update(deliveryId, expectedVersion, changes, pendingEvents) {
      const names: Record<string, string> = { '#version': 'version' };
      const values: Record<string, unknown> = { ':expected': expectedVersion, ':next': expectedVersion + 1 };
      const sets = ['#version = :next'];
      Object.entries(changes).forEach(([field, value], index) => {
        if (value === undefined) return;
        names[`#f${index}`] = field;
        values[`:v${index}`] = value;
        sets.push(`#f${index} = :v${index}`);
      });
      const [first] = pendingEvents;
      if (first !== undefined) {
        const index = outboxIndexKey(deliveryKey(deliveryId).pk, first.occurredAt);
        Object.assign(names, {
          '#pendingEvents': 'pendingEvents',
          '#pendingKey': 'pendingKey',
          '#outboxShard': 'outboxShard',
          '#outboxSince': 'outboxSince',
        });
        Object.assign(values, {
          ':pendingEvents': pendingEvents,
          ':pendingKey': `v${expectedVersion + 1}`,
          ':outboxShard': index.outboxShard,
          ':outboxSince': index.outboxSince,
        });
        sets.push(
          '#pendingEvents = :pendingEvents',
          '#pendingKey = :pendingKey',
          '#outboxShard = :outboxShard',
          '#outboxSince = :outboxSince',
        );
      }
      try {
        const result = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: deliveryKey(deliveryId),
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: '#version = :expected',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        );
        return toRecord(result.Attributes ?? {});
      } catch (error) {
        if (isConditionalFailure(error)) {
          throw new StaleVersionError(`delivery ${deliveryId} changed since version ${expectedVersion}`, {
            cause: error,
          });
        }
        throw error;
      }
    },

    async clearPending(deliveryId, pendingKey) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: deliveryKey(deliveryId),
            // Out of the sparse index with the batch, so the sweeper never sees a published outbox.
            UpdateExpression: 'REMOVE pendingEvents, pendingKey, outboxShard, outboxSince',
            ConditionExpression: 'pendingKey = :key',
            ExpressionAttributeValues: { ':key': pendingKey },
          }),
        );
      } catch (error) {
        // Another call published and cleared this batch already.
        if (!isConditionalFailure(error)) throw error;
      }
    },

    async listOutboxes(shard, writtenBefore, limit, startKey) {
      const result = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: OUTBOX_INDEX,
          KeyConditionExpression: 'outboxShard = :shard AND outboxSince < :before',
          ExpressionAttributeValues: { ':shard': shard, ':before': writtenBefore },
          ScanIndexForward: true,
          Limit: limit,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      const deliveryIds = (result.Items ?? []).flatMap((item) =>
        typeof item.pk === 'string' && item.pk.startsWith(DELIVERY_PREFIX)
          ? [item.pk.slice(DELIVERY_PREFIX.length)]
          : [],
      );
      const last = result.LastEvaluatedKey;
      return {
        deliveryIds,
        ...(last
          ? { lastKey: Object.fromEntries(Object.entries(last).map(([key, value]) => [key, String(value)])) }
          : {}),
      };
    },

    async recordPosition(deliveryId, update) {
      const sets = ['lastKnownLocation = :location', 'lastPositionAt = :at', 'updatedAt = :updatedAt'];
      const values: Record<string, unknown> = {
        ':location': update.lastKnownLocation,
        ':at': update.lastPositionAt,
        ':updatedAt': update.updatedAt,
        ':stage': update.expectedStage,
      };
      if (update.pickupEta !== undefined) {
        sets.push('pickupEta = :pickupEta');
        values[':pickupEta'] = update.pickupEta;
      }
      if (update.deliveryEta !== undefined) {
        sets.push('deliveryEta = :deliveryEta');
        values[':deliveryEta'] = update.deliveryEta;
      }
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: deliveryKey(deliveryId),
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression:
              'attribute_exists(pk) AND #stage = :stage AND (attribute_not_exists(lastPositionAt) OR lastPositionAt < :at)',
            ExpressionAttributeNames: { '#stage': 'stage' },
            ExpressionAttributeValues: values,
          }),
        );
        return true;
      } catch (error) {
        if (isConditionalFailure(error)) return false;
        throw error;
      }
    },

    async listByAccount(accountId, limit, startKey) {
      // One item more than asked tells whether another page exists, so a token never leads to an empty page.
      const result = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: BY_ACCOUNT_INDEX,
          KeyConditionExpression: 'gsi1pk = :account',
          ExpressionAttributeValues: { ':account': accountPartition(accountId) },
          ScanIndexForward: false,
          Limit: limit + 1,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      const raw = result.Items ?? [];
      const page = raw.slice(0, limit);
      const last = page.at(-1);
      const more = raw.length > limit && last !== undefined;
      return {
        items: page.map(toRecord),
        ...(more
          ? {
              lastKey: {
                pk: String(last.pk),
                sk: String(last.sk),
                gsi1pk: String(last.gsi1pk),
                gsi1sk: String(last.gsi1sk),
              },
            }
          : {}),
      };
    },

    async putSubscription(subscription, limit) {
      const key = subscriptionKey(subscription.deliveryId, subscription.subscriptionId);
      for (let attempt = 1; ; attempt++) {
        try {
          await client.send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Put: {
                    TableName: tableName,
                    Item: { ...key, ...subscription },
                    ConditionExpression: 'attribute_not_exists(pk)',
                  },
                },
                {
                  // The count and its limit in one conditional write: concurrent requests cannot all
                  // read "9" and each add the tenth.
                  Update: {
                    TableName: tableName,
                    Key: { pk: key.pk, sk: SUBSCRIPTION_COUNT_SK },
                    UpdateExpression: 'ADD #count :one',
                    ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
                    ExpressionAttributeNames: { '#count': 'subscriptionCount' },
                    ExpressionAttributeValues: { ':one': 1, ':limit': limit },
                  },
                },
              ],
            }),
          );
          return { kind: 'created', subscription };
        } catch (error) {
          const codes = cancellationCodes(error);
          if (codes === undefined) throw error;
          // The same target asked before (or at the same time): the stored one stands, limit or not.
          if (codes[0] === 'ConditionalCheckFailed') {
            const existing = await client.send(
              new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
            );
            if (existing.Item)
              return { kind: 'existing', subscription: SubscriptionRecord.parse(existing.Item) };
            throw error;
          }
          if (codes[1] === 'ConditionalCheckFailed') return { kind: 'limit-reached' };
          if (!codes.includes('TransactionConflict')) throw error;
          if (attempt >= SUBSCRIBE_ATTEMPTS) return { kind: 'busy' };
          await pause(fullJitterDelay(attempt, SUBSCRIBE_BASE_DELAY_MS, SUBSCRIBE_MAX_DELAY_MS, Math.random));
        }
      }
    },

    async listSubscriptions(deliveryId) {
      const items: SubscriptionRecord[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const result = await client.send(
          new QueryCommand({
            TableName: tableName,
            // The counter's `SUBSCRIPTIONS` does not begin with `SUBSCRIPTION#`.
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': `DELIVERY#${deliveryId}`, ':prefix': SUBSCRIPTION_PREFIX },
            ConsistentRead: true,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        items.push(...(result.Items ?? []).map((item) => SubscriptionRecord.parse(item)));
        startKey = result.LastEvaluatedKey;
      } while (startKey);
      return items;
    },
  };
}
