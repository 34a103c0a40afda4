import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { RescheduleDeliveryRequest, ScheduleDeliveryRequest } from '../schemas.ts';
import { Operation } from './messages.ts';

// The scheduler's table (docs/internals.md, "Tables"): requests, idempotency keys, workflow checkpoints.

/** How long an `Idempotency-Key` is remembered (TTL attribute `expiresAt`). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

export const RequestRecord = z.object({
  deliveryId: z.string(),
  accountId: z.string(),
  /** The schedule operation's request id (its workflow checkpoint and queue deduplication id). */
  requestId: z.string(),
  /** The delivery as requested, with every accepted reschedule applied. */
  request: ScheduleDeliveryRequest,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type RequestRecord = z.infer<typeof RequestRecord>;

export const RescheduleRecord = z.object({
  deliveryId: z.string(),
  requestId: z.string(),
  changes: RescheduleDeliveryRequest,
  /** The whole request as it stands with these changes: what the workflow assigns the drone for. */
  request: ScheduleDeliveryRequest,
  createdAt: z.string(),
});
export type RescheduleRecord = z.infer<typeof RescheduleRecord>;

export const IdempotencyRecord = z.object({
  accountId: z.string(),
  idempotencyKey: z.string(),
  deliveryId: z.string(),
  requestId: z.string(),
  bodyHash: z.string(),
  createdAt: z.string(),
});
export type IdempotencyRecord = z.infer<typeof IdempotencyRecord>;

export const STEP_NAMES = [
  'accounts',
  'reschedule',
  'package',
  'drone',
  'delivery',
  'cancel',
  'releaseDrone',
  'cancelPackage',
] as const;
export const StepName = z.enum(STEP_NAMES);
export type StepName = z.infer<typeof StepName>;

export const COMPENSATION_NAMES = [
  'releaseDrone',
  'cancelPackage',
  'failDelivery',
  'cancelDelivery',
] as const;
export const CompensationName = z.enum(COMPENSATION_NAMES);
export type CompensationName = z.infer<typeof CompensationName>;

export const WORKFLOW_STATUSES = ['Running', 'Compensating', 'Completed', 'Failed'] as const;
export const WorkflowStatus = z.enum(WORKFLOW_STATUSES);
export type WorkflowStatus = z.infer<typeof WorkflowStatus>;

export const Checkpoint = z.object({
  deliveryId: z.string(),
  operation: Operation,
  requestId: z.string(),
  status: WorkflowStatus,
  /** Completed forward steps with their results, so a redelivered message resumes after them. */
  steps: z.partialRecord(StepName, z.unknown()),
  /** Completed compensations (and the final failure call), so a resumed compensation skips them. */
  compensated: z.array(CompensationName),
  /** Why the workflow is compensating or failed; `markDelivery` false when the delivery has already moved on. */
  failure: z.object({ reason: z.string(), detail: z.string(), markDelivery: z.boolean() }).optional(),
  /** Why a finished workflow changed nothing (e.g. the delivery was already in flight). */
  outcome: z.string().optional(),
  /** Optimistic lock: every save must know the version it read. */
  version: z.number().int().nonnegative(),
  updatedAt: z.string(),
});
export type Checkpoint = z.infer<typeof Checkpoint>;

/** The item changed since it was read (a concurrent copy of the message, or a racing request). */
export class ConcurrentUpdateError extends Error {
  override readonly name = 'ConcurrentUpdateError';
}

/** The scheduler's persistence, as the core logic sees it. */
export interface SchedulerStore {
  /** Stores the key if new; returns the record now stored (the earlier one if the key was used). */
  claimIdempotencyKey(record: IdempotencyRecord): Promise<{ record: IdempotencyRecord; created: boolean }>;
  /** Stores the request if new; returns the record now stored (the earlier one if the delivery exists). */
  putRequest(record: RequestRecord): Promise<{ record: RequestRecord; created: boolean }>;
  getRequest(deliveryId: string): Promise<RequestRecord | undefined>;
  /** Stores a reschedule and applies it to the request, both or neither. */
  putReschedule(record: RescheduleRecord, expectedRequestUpdatedAt: string): Promise<void>;
  getReschedule(deliveryId: string, requestId: string): Promise<RescheduleRecord | undefined>;
  getCheckpoint(deliveryId: string, operation: Operation, requestId: string): Promise<Checkpoint | undefined>;
  /** Saves a checkpoint whose `version` is the one read (0 when new); returns it with the next version. */
  saveCheckpoint(checkpoint: Checkpoint): Promise<Checkpoint>;
}

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
      if (await putIfAbsent({ ...key, ...record })) return { record, created: true };
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
                  Item: { ...rescheduleKey(record.deliveryId, record.requestId), ...record },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Update: {
                  TableName: tableName,
                  Key: requestKey(record.deliveryId),
                  UpdateExpression: 'SET #request = :request, updatedAt = :now',
                  // Two reschedules racing on the same request: the second must build on the first.
                  ConditionExpression: 'updatedAt = :expected',
                  ExpressionAttributeNames: { '#request': 'request' },
                  ExpressionAttributeValues: {
                    ':request': record.request,
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
  };
}
