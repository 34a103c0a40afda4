import {
  type Checkpoint,
  ConcurrentUpdateError,
  type IdempotencyRecord,
  type KnownStage,
  type RequestRecord,
  type RescheduleRecord,
  type SchedulerStore,
  STAGE_RANK,
  type StageChange,
  UNSTARTED_SHARDS,
  type UnstartedEntry,
  unstartedShard,
} from '../core/store.ts';
import type { ScheduleDeliveryRequest } from '../schemas.ts';

interface Marker {
  shard: string;
  attempts: number;
}

/** The scheduler store in memory, with the same conditional semantics as the DynamoDB adapter. */
export class MemoryStore implements SchedulerStore {
  readonly idempotency = new Map<string, IdempotencyRecord>();
  readonly requests = new Map<string, RequestRecord>();
  readonly reschedules = new Map<string, RescheduleRecord>();
  readonly checkpoints = new Map<string, Checkpoint>();
  /** Every checkpoint saved, in order (to assert on progress). */
  readonly saved: Checkpoint[] = [];
  /** Every stage change that took effect, in order (to count effects). */
  readonly stageChanges: { deliveryId: string; stage: KnownStage; eventId: string }[] = [];
  private readonly markers = new Map<string, Marker>();
  private readonly ranks = new Map<string, number>();

  async claimIdempotencyKey(record: IdempotencyRecord) {
    const key = `${record.accountId}#${record.idempotencyKey}`;
    const existing = this.idempotency.get(key);
    if (existing) return { record: structuredClone(existing), created: false };
    this.idempotency.set(key, structuredClone(record));
    return { record, created: true };
  }

  async putRequest(record: RequestRecord) {
    const existing = this.requests.get(record.deliveryId);
    if (existing) return { record: structuredClone(existing), created: false };
    this.requests.set(record.deliveryId, structuredClone(record));
    this.mark(`${record.deliveryId}#schedule`, record.deliveryId, record.sweepAt);
    return { record, created: true };
  }

  async getRequest(deliveryId: string) {
    const record = this.requests.get(deliveryId);
    return record && structuredClone(record);
  }

  async putReschedule(record: RescheduleRecord, expectedRequestUpdatedAt: string) {
    const key = `${record.deliveryId}#${record.requestId}`;
    const request = this.requests.get(record.deliveryId);
    if (this.reschedules.has(key) || request?.updatedAt !== expectedRequestUpdatedAt) {
      throw new ConcurrentUpdateError(`reschedule ${key} conflicts`);
    }
    this.reschedules.set(key, structuredClone(record));
    this.mark(`${record.deliveryId}#reschedule#${record.requestId}`, record.deliveryId, record.sweepAt);
    // The plan stays as it is until the workflow serves the reschedule (applyReschedule).
    this.requests.set(record.deliveryId, { ...request, updatedAt: record.createdAt });
  }

  async getReschedule(deliveryId: string, requestId: string) {
    const record = this.reschedules.get(`${deliveryId}#${requestId}`);
    return record && structuredClone(record);
  }

  async markStarted(deliveryId: string, operation: string, requestId: string) {
    if (operation === 'schedule') {
      const record = this.requests.get(deliveryId);
      if (record) delete record.sweepAt;
      this.markers.delete(`${deliveryId}#schedule`);
    }
    if (operation === 'reschedule') {
      const record = this.reschedules.get(`${deliveryId}#${requestId}`);
      if (record) delete record.sweepAt;
      this.markers.delete(`${deliveryId}#reschedule#${requestId}`);
    }
  }

  async findUnstarted(dueBy: string, limit: number) {
    const perShard = Math.max(1, Math.ceil(limit / UNSTARTED_SHARDS));
    const found: UnstartedEntry[] = [];
    for (let shard = 0; shard < UNSTARTED_SHARDS && found.length < limit; shard++) {
      const due = this.entries()
        .filter((entry) => this.markers.get(this.markerKey(entry))?.shard === `UNSTARTED#${shard}`)
        .filter((entry) => entry.sweepAt <= dueBy)
        .sort((a, b) => a.sweepAt.localeCompare(b.sweepAt));
      found.push(...due.slice(0, Math.min(perShard, limit - found.length)));
    }
    return found;
  }

  async deferSweep(entry: UnstartedEntry, nextSweepAt: string) {
    const record =
      entry.operation === 'schedule'
        ? this.requests.get(entry.deliveryId)
        : this.reschedules.get(`${entry.deliveryId}#${entry.requestId}`);
    const marker = this.markers.get(this.markerKey(entry));
    if (!record || !marker || record.sweepAt !== entry.sweepAt) return false;
    record.sweepAt = nextSweepAt;
    marker.attempts += 1;
    return true;
  }

  async recordStage(
    deliveryId: string,
    stage: KnownStage,
    eventId: string,
    _at: string,
  ): Promise<StageChange> {
    const record = this.requests.get(deliveryId);
    if (!record) return 'unknown-delivery';
    const rank = this.ranks.get(deliveryId);
    if (rank !== undefined && rank >= STAGE_RANK[stage]) return 'stale';
    this.ranks.set(deliveryId, STAGE_RANK[stage]);
    record.stage = stage;
    this.stageChanges.push({ deliveryId, stage, eventId });
    return 'applied';
  }

  async getCheckpoint(deliveryId: string, operation: string, requestId: string) {
    const checkpoint = this.checkpoints.get(`${deliveryId}#${operation}#${requestId}`);
    return checkpoint && structuredClone(checkpoint);
  }

  async saveCheckpoint(checkpoint: Checkpoint) {
    const key = `${checkpoint.deliveryId}#${checkpoint.operation}#${checkpoint.requestId}`;
    const stored = this.checkpoints.get(key);
    if ((stored?.version ?? 0) !== checkpoint.version) {
      throw new ConcurrentUpdateError(`checkpoint ${key} was saved concurrently`);
    }
    const next = { ...structuredClone(checkpoint), version: checkpoint.version + 1 };
    this.checkpoints.set(key, next);
    this.saved.push(structuredClone(next));
    return structuredClone(next);
  }

  async applyReschedule(deliveryId: string, _requestId: string, request: ScheduleDeliveryRequest) {
    const record = this.requests.get(deliveryId);
    if (!record) throw new Error(`no request ${deliveryId} to apply a reschedule to`);
    record.request = structuredClone(request);
  }

  private mark(key: string, deliveryId: string, sweepAt: string | undefined) {
    if (sweepAt !== undefined) this.markers.set(key, { shard: unstartedShard(deliveryId), attempts: 0 });
  }

  private markerKey(entry: Pick<UnstartedEntry, 'deliveryId' | 'operation' | 'requestId'>) {
    return entry.operation === 'schedule'
      ? `${entry.deliveryId}#schedule`
      : `${entry.deliveryId}#reschedule#${entry.requestId}`;
  }

  /** Every stored item that still carries its unstarted marker, as the index would list it. */
  private entries(): UnstartedEntry[] {
    const entries: UnstartedEntry[] = [];
    for (const record of this.requests.values()) {
      const marker = this.markers.get(`${record.deliveryId}#schedule`);
      if (marker && record.sweepAt !== undefined) {
        entries.push({
          deliveryId: record.deliveryId,
          operation: 'schedule',
          requestId: record.requestId,
          accountId: record.accountId,
          correlationId: record.correlationId,
          sweepAt: record.sweepAt,
          sweepAttempts: marker.attempts,
        });
      }
    }
    for (const record of this.reschedules.values()) {
      const marker = this.markers.get(`${record.deliveryId}#reschedule#${record.requestId}`);
      if (marker && record.sweepAt !== undefined && record.accountId !== undefined) {
        entries.push({
          deliveryId: record.deliveryId,
          operation: 'reschedule',
          requestId: record.requestId,
          accountId: record.accountId,
          correlationId: record.correlationId,
          sweepAt: record.sweepAt,
          sweepAttempts: marker.attempts,
        });
      }
    }
    return entries;
  }
}
