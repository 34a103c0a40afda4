import {
  ConflictError,
  HttpError,
  NotFoundError,
  ServiceUnavailableError,
  ValidationError,
} from '../../../shared/errors.ts';
import type { Caller } from '../../../shared/http.ts';
import { logger } from '../../../shared/observability.ts';
import {
  DEADLINE_AFTER_PICKUP_ISSUE,
  deadlineAfterPickup,
  type RescheduleDeliveryRequest,
  type ScheduleDeliveryRequest,
} from '../schemas.ts';
import { bodyHash } from './hash.ts';
import type { Operation, RequestQueue } from './messages.ts';
import {
  type DeliveryStatus,
  FINAL_OR_IN_FLIGHT_STAGES,
  isRefusal,
  type SchedulerServices,
} from './services.ts';
import { ConcurrentUpdateError, type RequestRecord, type SchedulerStore } from './store.ts';

// The public API side of the scheduler (ARCHITECTURE §5.1): validate, store the request, enqueue
// the operation, answer 202. The caller has already validated the body and the header.

/** What the ingest needs: its store, the queue, the Delivery service, a clock and an id source. */
export interface IngestDeps {
  store: SchedulerStore;
  queue: RequestQueue;
  services: Pick<SchedulerServices, 'createDelivery' | 'getDelivery'>;
  now: () => Date;
  newId: () => string;
}

/** The 202 answer of every ingest operation. */
export interface Accepted {
  deliveryId: string;
  stage: string;
}

export interface ScheduleInput {
  caller: Caller;
  request: ScheduleDeliveryRequest;
  idempotencyKey?: string | undefined;
  correlationId: string;
}

/** Why a delivery was cancelled on the client's request (the Delivery service records it). */
export const CLIENT_CANCEL_REASON = 'CancelledByClient';

/** Accepts a new delivery; with an `Idempotency-Key`, a repeat of the same body yields the same delivery. */
export async function scheduleDelivery(deps: IngestDeps, input: ScheduleInput): Promise<Accepted> {
  const { caller, request, correlationId } = input;
  const createdAt = deps.now().toISOString();
  return asRetrySafe(async () => {
    let deliveryId = deps.newId();
    let requestId = deps.newId();
    if (input.idempotencyKey !== undefined) {
      const hash = bodyHash(request);
      const claim = await deps.store.claimIdempotencyKey({
        accountId: caller.accountId,
        idempotencyKey: input.idempotencyKey,
        deliveryId,
        requestId,
        bodyHash: hash,
        createdAt,
      });
      if (claim.record.bodyHash !== hash) {
        throw new ConflictError(
          'This Idempotency-Key was already used with another request body.',
          'idempotency-key-reused',
        );
      }
      // A repeat re-runs every step below: each is idempotent, and an earlier attempt may have stopped midway.
      deliveryId = claim.record.deliveryId;
      requestId = claim.record.requestId;
    }
    const { record } = await deps.store.putRequest({
      deliveryId,
      accountId: caller.accountId,
      requestId,
      request,
      createdAt,
      updatedAt: createdAt,
    });
    await deps.services.createDelivery(deliveryId, { ...record.request, accountId: record.accountId });
    await deps.queue.send({
      deliveryId,
      operation: 'schedule',
      requestId: record.requestId,
      accountId: record.accountId,
      correlationId,
    });
    logger.info('delivery accepted', {
      deliveryId,
      requestId: record.requestId,
      accountId: caller.accountId,
    });
    return { deliveryId, stage: 'Requested' };
  });
}

export interface RescheduleInput {
  caller: Caller;
  deliveryId: string;
  changes: RescheduleDeliveryRequest;
  correlationId: string;
}

/** Accepts new times and/or dropoff for a delivery not yet in flight. */
export async function rescheduleDelivery(deps: IngestDeps, input: RescheduleInput): Promise<Accepted> {
  const { caller, deliveryId, changes } = input;
  return asRetrySafe(async () => {
    const current = await ownedRequest(deps, caller, deliveryId);
    const delivery = await changeableDelivery(deps, deliveryId, 'rescheduled');
    const request = { ...current.request, ...changes };
    if (!deadlineAfterPickup(request)) {
      throw new ValidationError('The rescheduled delivery would end before it starts.', [
        { path: '/deadline', message: DEADLINE_AFTER_PICKUP_ISSUE.message },
      ]);
    }
    const requestId = deps.newId();
    try {
      await deps.store.putReschedule(
        { deliveryId, requestId, changes, request, createdAt: deps.now().toISOString() },
        current.updatedAt,
      );
    } catch (error) {
      if (error instanceof ConcurrentUpdateError) {
        throw new ConflictError(
          'The delivery is being changed by another request; retry.',
          'concurrent-update',
        );
      }
      throw error;
    }
    await enqueue(deps, current, 'reschedule', requestId, input.correlationId);
    return { deliveryId, stage: delivery.stage };
  });
}

export interface CancelInput {
  caller: Caller;
  deliveryId: string;
  correlationId: string;
}

/** Accepts the cancellation of a delivery not yet in flight nor done. */
export async function cancelDelivery(deps: IngestDeps, input: CancelInput): Promise<Accepted> {
  const { caller, deliveryId } = input;
  return asRetrySafe(async () => {
    const current = await ownedRequest(deps, caller, deliveryId);
    const delivery = await changeableDelivery(deps, deliveryId, 'cancelled');
    await enqueue(deps, current, 'cancel', deps.newId(), input.correlationId);
    return { deliveryId, stage: delivery.stage };
  });
}

/** The caller's request for this delivery; another account's is as absent as an unknown one. */
async function ownedRequest(deps: IngestDeps, caller: Caller, deliveryId: string): Promise<RequestRecord> {
  const record = await deps.store.getRequest(deliveryId);
  if (!record || record.accountId !== caller.accountId) {
    throw new NotFoundError(`Delivery ${deliveryId} was not found.`);
  }
  return record;
}

async function changeableDelivery(
  deps: IngestDeps,
  deliveryId: string,
  verb: string,
): Promise<DeliveryStatus> {
  let delivery: DeliveryStatus;
  try {
    delivery = await deps.services.getDelivery(deliveryId);
  } catch (error) {
    // The request was stored but the ingest stopped before the Delivery service heard of it.
    if (isRefusal(error, 404)) throw new NotFoundError(`Delivery ${deliveryId} was not found.`);
    throw error;
  }
  if (FINAL_OR_IN_FLIGHT_STAGES.has(delivery.stage)) {
    throw new ConflictError(
      `Delivery ${deliveryId} is ${delivery.stage} and can no longer be ${verb}.`,
      'delivery-not-changeable',
    );
  }
  return delivery;
}

async function enqueue(
  deps: IngestDeps,
  record: RequestRecord,
  operation: Operation,
  requestId: string,
  correlationId: string,
): Promise<void> {
  await deps.queue.send({
    deliveryId: record.deliveryId,
    operation,
    requestId,
    accountId: record.accountId,
    correlationId,
  });
  logger.info('delivery operation accepted', { deliveryId: record.deliveryId, operation, requestId });
}

/** Client-facing errors pass through; any other failure (table, queue, downstream) is a retry-safe 503. */
async function asRetrySafe<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new ServiceUnavailableError('The request could not be accepted now; retry it later.', error);
  }
}
