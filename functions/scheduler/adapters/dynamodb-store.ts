import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { Operation } from '../core/messages.ts';
import {
  Checkpoint,
  ConcurrentUpdateError,
  IdempotencyRecord,
  RequestRecord,
  RescheduleRecord,
  type SchedulerStore,
  STAGE_RANK,
  UNSTARTED_INDEX,
  UNSTARTED_SHARDS,
  type UnstartedEntry,
  unstartedShard,
} from '../core/store.ts';

/** How long an `Idempotency-Key` is remembered (TTL attribute `expiresAt`). */
const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

const requestKey = (deliveryId: string) => ({ pk: `REQUEST#${deliveryId}`, sk: 'REQUEST' });
const rescheduleKey = (deliveryId: string, requestId: string) => ({
  pk: `REQUEST#${deliveryId}`,
  sk: `RESCHEDULE#${requestId}`,
});
const idempotencyKey = (accountId: string, key: string) => ({
  pk: `IDEMPOTENCY#${accountId}#${key}`,
  sk: 'KEY',
});
const workflowKey = (deliveryId: string, operation: Operation, requestId: string) => ({
  pk: `WORKFLOW#${deliveryId}`,
  sk: `${operation}#${requestId}`,
});

/** The item whose unstarted marker an operation clears: the request for a schedule, its own item for a reschedule. */
function markedKey(deliveryId: string, operation: Operation, requestId: string) {
  if (operation === 'schedule') return requestKey(deliveryId);
  if (operation === 'reschedule') return rescheduleKey(deliveryId, requestId);
  // A cancel is never stored: its 202 comes after its message is on the queue.
  return undefined;
}

/** The index attributes of an item stored with `sweepAt`: in the unstarted index, never swept yet. */
function unstartedMarker(deliveryId: string, sweepAt: string | undefined) {
  return sweepAt === undefined ? {} : { sweepShard: unstartedShard(deliveryId), sweepAttempts: 0 };
}

const UnstartedItem = z.object({
  sk: z.string(),
  deliveryId: z.string(),
  requestId: z.string(),
  accountId: z.string(),
  correlationId: z.string().optional(),
  sweepAt: z.string(),
  sweepAttempts: z.number().int().nonnegative().optional(),
});

function toUnstartedEntry(item: unknown): UnstartedEntry {
  const parsed = UnstartedItem.parse(item);
  return {
    deliveryId: parsed.deliveryId,
    operation: parsed.sk === 'REQUEST' ? 'schedule' : 'reschedule',
    requestId: parsed.requestId,
    accountId: parsed.accountId,
    correlationId: parsed.correlationId,
    sweepAt: parsed.sweepAt,
    sweepAttempts: parsed.sweepAttempts ?? 0,
  };
}

/** The DynamoDB adapter: conditional writes make every write safe to repeat. */
export function createSchedulerStore(client: DynamoDBDocumentClient, tableName: string): SchedulerStore {
  async function getItem<S extends z.ZodType>(
    key: Record<string, string>,
    schema: S,
  ): Promise<z.infer<S> | undefined> {
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
    );
    return Item ? schema.parse(Item) : undefined;
  }

  /** Puts an item unless its key exists; returns false (nothing written) when it does. */
  async function putIfAbsent(item: Record<string, unknown>): Promise<boolean> {
    try {
      await client.send(
        new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  return {
    async claimIdempotencyKey(record) {
      const key = idempotencyKey(record.accountId, record.idempotencyKey);
      const expiresAt = Math.floor(Date.parse(record.createdAt) / 1000) + IDEMPOTENCY_TTL_SECONDS;
      if (await putIfAbsent({ ...key, ...record, expiresAt })) return { record, created: true };
      const existing = await getItem(key, IdempotencyRecord);
      if (!existing) throw new Error(`idempotency item ${key.pk} vanished between write and read`);
      return { record: existing, created: false };
    },

    async putRequest(record) {
      const key = requestKey(record.deliveryId);
      const item = { ...key, ...record, ...unstartedMarker(record.deliveryId, record.sweepAt) };
      if (await putIfAbsent(item)) return { record, created: true };
      const existing = await getItem(key, RequestRecord);
      if (!existing) throw new Error(`request item ${key.pk} vanished between write and read`);
      return { record: existing, created: false };
    },

    getRequest: (deliveryId) => getItem(requestKey(deliveryId), RequestRecord),

    async putReschedule(record, expectedRequestUpdatedAt) {
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: tableName,
                  Item: {
                    ...rescheduleKey(record.deliveryId, record.requestId),
                    ...record,
                    ...unstartedMarker(record.deliveryId, record.sweepAt),
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Update: {
                  TableName: tableName,
                  Key: requestKey(record.deliveryId),
                  // Not the plan: a reschedule that cannot be served must leave it as it is, so the
                  // workflow applies it once served (applyReschedule).
                  UpdateExpression: 'SET updatedAt = :now',
                  // Two reschedules racing on the same request: the second must build on the first.
                  ConditionExpression: 'updatedAt = :expected',
                  ExpressionAttributeValues: {
                    ':now': record.createdAt,
                    ':expected': expectedRequestUpdatedAt,
                  },
                },
              },
            ],
          }),
        );
      } catch (error) {
        if (error instanceof TransactionCanceledException) {
          throw new ConcurrentUpdateError(
            `the request of delivery ${record.deliveryId} changed concurrently; reschedule not stored`,
          );
        }
        throw error;
      }
    },

    getReschedule: (deliveryId, requestId) => getItem(rescheduleKey(deliveryId, requestId), RescheduleRecord),

    async markStarted(deliveryId, operation, requestId) {
      const key = markedKey(deliveryId, operation, requestId);
      if (!key) return;
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key,
            UpdateExpression: 'REMOVE sweepShard, sweepAt, sweepAttempts',
            // Without the condition an update of a missing item would create it.
            ConditionExpression: 'attribute_exists(sweepShard)',
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },

    async findUnstarted(dueBy, limit) {
      // Each shard gets its share of the budget, so a backlog in one never starves the others.
      const perShard = Math.max(1, Math.ceil(limit / UNSTARTED_SHARDS));
      const found: UnstartedEntry[] = [];
      for (let shard = 0; shard < UNSTARTED_SHARDS && found.length < limit; shard++) {
        const budget = Math.min(perShard, limit - found.length);
        let taken = 0;
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await client.send(
            new QueryCommand({
              TableName: tableName,
              IndexName: UNSTARTED_INDEX.name,
              KeyConditionExpression: '#shard = :shard AND #at <= :due',
              ExpressionAttributeNames: {
                '#shard': UNSTARTED_INDEX.partitionKey,
                '#at': UNSTARTED_INDEX.sortKey,
              },
              ExpressionAttributeValues: { ':shard': `UNSTARTED#${shard}`, ':due': dueBy },
              Limit: budget - taken,
              ExclusiveStartKey: startKey,
            }),
          );
          for (const item of page.Items ?? []) {
            found.push(toUnstartedEntry(item));
            taken += 1;
          }
          startKey = page.LastEvaluatedKey;
        } while (startKey && taken < budget);
      }
      return found;
    },

    async deferSweep(entry, nextSweepAt) {
      const key = markedKey(entry.deliveryId, entry.operation, entry.requestId);
      if (!key) return false;
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key,
            UpdateExpression:
              'SET sweepAt = :next, sweepAttempts = if_not_exists(sweepAttempts, :zero) + :one',
            // The index is eventually consistent: the item itself says whether it is still due as read.
            ConditionExpression: 'sweepAt = :seen',
            ExpressionAttributeValues: {
              ':next': nextSweepAt,
              ':seen': entry.sweepAt,
              ':zero': 0,
              ':one': 1,
            },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },

    async recordStage(deliveryId, stage, eventId, at) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: requestKey(deliveryId),
            // Not `updatedAt`: that is the reschedule's optimistic lock, which an event must not break.
            UpdateExpression: 'SET stage = :stage, stageRank = :rank, stageEventId = :event, stageAt = :at',
            ConditionExpression:
              'attribute_exists(pk) AND (attribute_not_exists(stageRank) OR stageRank < :rank)',
            ExpressionAttributeValues: {
              ':stage': stage,
              ':rank': STAGE_RANK[stage],
              ':event': eventId,
              ':at': at,
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return 'applied';
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException)
          return error.Item ? 'stale' : 'unknown-delivery';
        throw error;
      }
    },

    getCheckpoint: (deliveryId, operation, requestId) =>
      getItem(workflowKey(deliveryId, operation, requestId), Checkpoint),

    async saveCheckpoint(checkpoint) {
      const next = { ...checkpoint, version: checkpoint.version + 1 };
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...workflowKey(checkpoint.deliveryId, checkpoint.operation, checkpoint.requestId),
              ...next,
            },
            ...(checkpoint.version === 0
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  ConditionExpression: 'version = :read',
                  ExpressionAttributeValues: { ':read': checkpoint.version },
                }),
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          throw new ConcurrentUpdateError(
            `workflow ${checkpoint.operation}#${checkpoint.requestId} of ${checkpoint.deliveryId} was saved concurrently`,
          );
        }
        throw error;
      }
      return next;
    },

    async applyReschedule(deliveryId, requestId, request) {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: requestKey(deliveryId),
          UpdateExpression: 'SET #request = :request, appliedReschedule = :requestId',
          // Without the condition an update of a missing item would create it.
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#request': 'request' },
          ExpressionAttributeValues: { ':request': request, ':requestId': requestId },
        }),
      );
    },
  };
}
