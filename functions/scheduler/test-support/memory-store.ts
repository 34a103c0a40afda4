import {
  type Checkpoint,
  ConcurrentUpdateError,
  type IdempotencyRecord,
  type RequestRecord,
  type RescheduleRecord,
  type SchedulerStore,
} from '../core/store.ts';

/** The scheduler store in memory, with the same conditional semantics as the DynamoDB adapter. */
export class MemoryStore implements SchedulerStore {
  readonly idempotency = new Map<string, IdempotencyRecord>();
  readonly requests = new Map<string, RequestRecord>();
  readonly reschedules = new Map<string, RescheduleRecord>();
  readonly checkpoints = new Map<string, Checkpoint>();
  /** Every checkpoint saved, in order (to assert on progress). */
  readonly saved: Checkpoint[] = [];

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
    this.requests.set(record.deliveryId, {
      ...request,
      request: record.request,
      updatedAt: record.createdAt,
    });
  }

  async getReschedule(deliveryId: string, requestId: string) {
    const record = this.reschedules.get(`${deliveryId}#${requestId}`);
    return record && structuredClone(record);
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
}
