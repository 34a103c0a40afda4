import { createHash } from 'node:crypto';
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
import { DeliveryStage } from '../../../shared/contracts.ts';
import { RescheduleDeliveryRequest, ScheduleDeliveryRequest } from '../schemas.ts';
import { Operation } from './messages.ts';

// The scheduler's table (docs/internals.md, "Tables"): requests, idempotency keys, workflow checkpoints.

/** How long an `Idempotency-Key` is remembered (TTL attribute `expiresAt`). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/**
 * The sparse index of requests and reschedules stored but not yet started by the workflow
 * (infra/constructs/stateful.ts declares it with these names). Only items carrying `sweepShard`
 * are in it, and the workflow removes that attribute when it starts, so the index holds exactly
 * the work the sweeper may have to enqueue again — never the table's history.
 */
export const UNSTARTED_INDEX = {
  name: 'unstarted',
  partitionKey: 'sweepShard',
  sortKey: 'sweepAt',
  /** What the sweeper needs to rebuild the queue message without reading the item again. */
  projected: ['deliveryId', 'requestId', 'accountId', 'correlationId', 'sweepAttempts'],
} as const;

/**
 * Partitions of the index. One partition key value for every pending request would cap ingest at
 * one index partition's write rate (about 1,000 writes a second); four spread the writes, and the
 * sweeper reads the four in turn. A delivery's request and its reschedules share a shard.
 */
export const UNSTARTED_SHARDS = 4;

/** The index partition of a delivery's unstarted work. */
export function unstartedShard(deliveryId: string): string {
  const bucket = (createHash('sha256').update(deliveryId).digest()[0] ?? 0) % UNSTARTED_SHARDS;
  return `UNSTARTED#${bucket}`;
}

/**
 * Stages the scheduler learns from the Delivery service's events (its own projection, so the
 * ingest never has to ask). Absent on records stored before the projection existed: read as Requested.
 */
export const KnownStage = DeliveryStage;
export type KnownStage = DeliveryStage;

export const RequestRecord = z.object({
  deliveryId: z.string(),
  accountId: z.string(),
  /** The schedule operation's request id (its workflow checkpoint and queue deduplication id). */
  requestId: z.string(),
  /** The delivery as requested, with every accepted reschedule applied. */
  request: ScheduleDeliveryRequest,
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The correlation id of the public request, so a message sent again by the sweeper keeps it. */
  correlationId: z.string().optional(),
  /**
   * Present while the schedule workflow has not started: when the sweeper sends its message
   * again if it still has not. Removed by the workflow's first action.
   */
  sweepAt: z.string().optional(),
  /** The latest stage the Delivery service's events told (see core/stages.ts). */
  stage: KnownStage.optional(),
});
export type RequestRecord = z.infer<typeof RequestRecord>;

export const RescheduleRecord = z.object({
  deliveryId: z.string(),
  requestId: z.string(),
  changes: RescheduleDeliveryRequest,
  /**
   * The whole request with these changes as it stood when accepted (checked there). The workflow
   * books the drone for `changes` applied to the plan current when it runs, and makes that plan the
   * request's only once the Delivery service has taken it (`applyReschedule`).
   */
  request: ScheduleDeliveryRequest,
  createdAt: z.string(),
  /** Who and which public request, so the sweeper can rebuild the message (absent on older items). */
  accountId: z.string().optional(),
  correlationId: z.string().optional(),
  /** As on the request: present until the reschedule workflow starts. */
  sweepAt: z.string().optional(),
});
export type RescheduleRecord = z.infer<typeof RescheduleRecord>;

/** A request or reschedule the workflow has not started yet, as the unstarted index holds it. */
export interface UnstartedEntry {
  deliveryId: string;
  operation: 'schedule' | 'reschedule';
  requestId: string;
  accountId: string;
  correlationId?: string | undefined;
  sweepAt: string;
  /** How often the sweeper has already sent it again. */
  sweepAttempts: number;
}

/** What a stage event did to the request's projection. */
export type StageChange = 'applied' | 'stale' | 'unknown-delivery';

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
  'create',
  'accounts',
  'reschedule',
  'package',
  'drone',
  'delivery',
  'cancel',
  'releaseDrone',
  'cancelPackage',
  // A reschedule: the new plan it computed, and that plan made the request's current one.
  'plan',
  'apply',
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
  /**
   * The compensations decided when the workflow started compensating: every reservation that was
   * done or attempted (its outcome unknown), so a resumed compensation undoes the same ones.
   */
  undo: z.array(CompensationName).optional(),
  /**
   * A schedule waiting for a free drone (docs/architecture.md §5 4a): how many waits so far (the
   * only queue message that may resume it carries this number), since when, until when a drone
   * leaving could still meet the deadline, and when the next attempt is due.
   */
  wait: z
    .object({
      attempts: z.number().int().positive(),
      since: z.string(),
      until: z.string(),
      nextAttemptAt: z.string(),
      retryAt: z.string().optional(),
    })
    .optional(),
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
  /**
   * Stores the request if new; returns the record now stored (the earlier one if the delivery exists).
   * With `sweepAt`, the request is in the unstarted index until the workflow starts it.
   */
  putRequest(record: RequestRecord): Promise<{ record: RequestRecord; created: boolean }>;
  getRequest(deliveryId: string): Promise<RequestRecord | undefined>;
  /**
   * Stores a reschedule if the request is still as read (its `updatedAt`, which this bumps). The
   * request's plan is left as it is: only a reschedule the workflow served changes it (`applyReschedule`).
   */
  putReschedule(record: RescheduleRecord, expectedRequestUpdatedAt: string): Promise<void>;
  getReschedule(deliveryId: string, requestId: string): Promise<RescheduleRecord | undefined>;
  /** Takes a request (schedule) or reschedule out of the unstarted index; idempotent, a no-op when absent. */
  markStarted(deliveryId: string, operation: Operation, requestId: string): Promise<void>;
  /** Up to `limit` unstarted entries due by `dueBy`, oldest first within each shard. Query only, never Scan. */
  findUnstarted(dueBy: string, limit: number): Promise<UnstartedEntry[]>;
  /**
   * Moves an entry's next sweep to `nextSweepAt` if it is still unstarted and still due as read;
   * false when the workflow started it or another sweep took it meanwhile.
   */
  deferSweep(entry: UnstartedEntry, nextSweepAt: string): Promise<boolean>;
  /** Records a stage told by a delivery event unless the request already knows a later one. */
  recordStage(deliveryId: string, stage: KnownStage, eventId: string, at: string): Promise<StageChange>;
  getCheckpoint(deliveryId: string, operation: Operation, requestId: string): Promise<Checkpoint | undefined>;
  /** Saves a checkpoint whose `version` is the one read (0 when new); returns it with the next version. */
  saveCheckpoint(checkpoint: Checkpoint): Promise<Checkpoint>;
  /**
   * Makes a served reschedule's plan the request's current one (idempotent). `updatedAt` is left
   * alone: it is the lock of reschedules being accepted, which a served one must not refuse.
   */
  applyReschedule(deliveryId: string, requestId: string, request: ScheduleDeliveryRequest): Promise<void>;
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

/**
 * Order of the projected stages: a stage is recorded only over an earlier one, so a late or
 * repeated event never moves the request back (a DeliveryCreated read after DeliveryCompleted,
 * the same DeliveryCancelled twice). The final stages share the last rank: the Delivery service
 * never moves a delivery from one to another, so the first one told stands.
 */
export const STAGE_RANK: Readonly<Record<KnownStage, number>> = {
  Requested: 0,
  Scheduled: 1,
  Rescheduled: 1,
  InTransit: 2,
  Completed: 3,
  Cancelled: 3,
  Failed: 3,
};

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
