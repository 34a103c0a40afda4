import { createHash } from 'node:crypto';
import * as z from 'zod';
import { DeliveryStage } from '../../../shared/contracts.ts';
import { RescheduleDeliveryRequest, ScheduleDeliveryRequest } from '../schemas.ts';
import { Operation } from './messages.ts';

// The scheduler's table (docs/internals.md, "Tables") as its logic sees it: requests, idempotency
// keys, workflow checkpoints. adapters/dynamodb-store.ts keeps them in DynamoDB.

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
