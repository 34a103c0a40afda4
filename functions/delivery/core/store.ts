import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Location } from '../../../events/schemas.ts';
import {
  type DeliveryChanges,
  DeliveryRecord,
  type PendingEvent,
  type Stage,
  SubscriptionRecord,
} from './model.ts';

// The Delivery table (docs/internals.md): `DELIVERY#<id>`/`DELIVERY` with the `byAccount` index,
// and `DELIVERY#<id>`/`SUBSCRIPTION#<subscriptionId>`.

export const BY_ACCOUNT_INDEX = 'byAccount';
const DELIVERY_SK = 'DELIVERY';
const SUBSCRIPTION_PREFIX = 'SUBSCRIPTION#';

/** The table key of a delivery item; also the shape of a page key of the `byAccount` index. */
export const deliveryKey = (deliveryId: string) => ({ pk: `DELIVERY#${deliveryId}`, sk: DELIVERY_SK });
export const accountPartition = (accountId: string) => `ACCOUNT#${accountId}`;

/** A conditional write lost against a concurrent one: read again and decide again. */
export class StaleVersionError extends Error {
  override readonly name = 'StaleVersionError';
}

/** A position report's effect, applied only if the delivery is still in `expectedStage` and the report is newer. */
export interface PositionUpdate {
  expectedStage: Stage;
  lastKnownLocation: Location;
  lastPositionAt: string;
  pickupEta?: string;
  deliveryEta?: string;
  updatedAt: string;
}

/** A page of an account's deliveries, newest first. */
export interface DeliveryPage {
  items: DeliveryRecord[];
  /** Key of the last item returned when more follow. */
  lastKey?: Record<string, string>;
}

/** What the Delivery service's logic needs from its table. */
export interface DeliveryStore {
  get(deliveryId: string): Promise<DeliveryRecord | undefined>;
  /** Creates the record unless one exists; returns whichever record is stored. */
  create(record: DeliveryRecord): Promise<{ record: DeliveryRecord; created: boolean }>;
  /** Applies `changes` and the outbox if the stored version is still `expectedVersion`; else StaleVersionError. */
  update(
    deliveryId: string,
    expectedVersion: number,
    changes: DeliveryChanges,
    pendingEvents: PendingEvent[],
  ): Promise<DeliveryRecord>;
  /** Removes the outbox batch `pendingKey` once it is published (no-op if it is gone already). */
  clearPending(deliveryId: string, pendingKey: string): Promise<void>;
  /** Stores a position report; false when the stage moved on or a newer report is stored. */
  recordPosition(deliveryId: string, update: PositionUpdate): Promise<boolean>;
  listByAccount(accountId: string, limit: number, startKey?: Record<string, string>): Promise<DeliveryPage>;
  /** Stores a subscription unless it exists; returns the stored one. */
  putSubscription(subscription: SubscriptionRecord): Promise<SubscriptionRecord>;
  listSubscriptions(deliveryId: string): Promise<SubscriptionRecord[]>;
}

function isConditionalFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

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
      if (pendingEvents.length > 0) {
        names['#pendingEvents'] = 'pendingEvents';
        names['#pendingKey'] = 'pendingKey';
        values[':pendingEvents'] = pendingEvents;
        values[':pendingKey'] = `v${expectedVersion + 1}`;
        sets.push('#pendingEvents = :pendingEvents', '#pendingKey = :pendingKey');
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
            UpdateExpression: 'REMOVE pendingEvents, pendingKey',
            ConditionExpression: 'pendingKey = :key',
            ExpressionAttributeValues: { ':key': pendingKey },
          }),
        );
      } catch (error) {
        // Another call published and cleared this batch already.
        if (!isConditionalFailure(error)) throw error;
      }
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

    async putSubscription(subscription) {
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              pk: `DELIVERY#${subscription.deliveryId}`,
              sk: `${SUBSCRIPTION_PREFIX}${subscription.subscriptionId}`,
              ...subscription,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return subscription;
      } catch (error) {
        if (!isConditionalFailure(error)) throw error;
        const existing = await client.send(
          new GetCommand({
            TableName: tableName,
            Key: {
              pk: `DELIVERY#${subscription.deliveryId}`,
              sk: `${SUBSCRIPTION_PREFIX}${subscription.subscriptionId}`,
            },
            ConsistentRead: true,
          }),
        );
        return existing.Item ? SubscriptionRecord.parse(existing.Item) : subscription;
      }
    },

    async listSubscriptions(deliveryId) {
      const items: SubscriptionRecord[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const result = await client.send(
          new QueryCommand({
            TableName: tableName,
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
