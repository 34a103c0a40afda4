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
import type { RequestMessage, RequestQueue } from './messages.ts';
import { FINAL_OR_IN_FLIGHT } from './stages.ts';
import { ConcurrentUpdateError, type KnownStage, type RequestRecord, type SchedulerStore } from './store.ts';
import { firstSweepAt, scheduleMessage } from './sweeper.ts';

// The public API side of the scheduler (docs/architecture.md §5.1): validate, store the request,
// enqueue the operation, answer 202. The caller has already validated the body and the header.
//
// Ingest calls no other service: its only dependencies are its own table and its queue, so a slow
// or failing Accounts, Package, Drone or Delivery service never turns a valid request into a 5xx.
// The Delivery service learns of the delivery from the workflow's first step, and PATCH/DELETE
// decide 409 from the stage the scheduler projects from delivery events (core/stages.ts).
//
// A stored request or reschedule is accepted: it carries an unstarted marker until the workflow
// starts it, and the sweeper (core/sweeper.ts) sends its message again if the ingest could not.
// So once the store succeeded the answer is 202 even if the send failed: a 503 would only invite a
// client without an Idempotency-Key to send the request again and get a second delivery.

/** What the ingest needs: its store, the queue, a clock and an id source. Nothing else. */
export interface IngestDeps {
  store: SchedulerStore;
  queue: Pick<RequestQueue, 'send'>;
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

/** Accepts a new delivery; with an `Idempotency-Key`, a repeat of the same body yields the same delivery. */
export async function scheduleDelivery(deps: IngestDeps, input: ScheduleInput): Promise<Accepted> {
  const { caller, request, correlationId } = input;
  const now = deps.now();
  const createdAt = now.toISOString();
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
      correlationId,
      sweepAt: firstSweepAt(now),
    });
    // A repeat sends again only what has not started: a started request's message has done its work.
    if (record.sweepAt !== undefined) await sendAccepted(deps, [scheduleMessage(record, correlationId)]);
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
  const { caller, deliveryId, changes, correlationId } = input;
  return asRetrySafe(async () => {
    const current = await ownedRequest(deps, caller, deliveryId);
    const stage = changeableStage(current, 'rescheduled');
    const request = { ...current.request, ...changes };
    if (!deadlineAfterPickup(request)) {
      throw new ValidationError('The rescheduled delivery would end before it starts.', [
        { path: '/deadline', message: DEADLINE_AFTER_PICKUP_ISSUE.message },
      ]);
    }
    const now = deps.now();
    const requestId = deps.newId();
    try {
      await deps.store.putReschedule(
        {
          deliveryId,
          requestId,
          changes,
          request,
          createdAt: now.toISOString(),
          accountId: current.accountId,
          correlationId,
          sweepAt: firstSweepAt(now),
        },
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
    const message = operationMessage(current, 'reschedule', requestId, correlationId);
    await sendAccepted(deps, [...scheduleFirst(current, correlationId), message]);
    logger.info('delivery operation accepted', { deliveryId, operation: 'reschedule', requestId });
    return { deliveryId, stage };
  });
}

export interface CancelInput {
  caller: Caller;
  deliveryId: string;
  correlationId: string;
}

/**
 * Accepts the cancellation of a delivery not yet in flight nor done. A cancel is not stored: its
 * 202 is given only once its message is on the queue, so a failed send is a retry-safe 503.
 */
export async function cancelDelivery(deps: IngestDeps, input: CancelInput): Promise<Accepted> {
  const { caller, deliveryId, correlationId } = input;
  return asRetrySafe(async () => {
    const current = await ownedRequest(deps, caller, deliveryId);
    const stage = changeableStage(current, 'cancelled');
    const requestId = deps.newId();
    for (const message of [
      ...scheduleFirst(current, correlationId),
      operationMessage(current, 'cancel', requestId, correlationId),
    ]) {
      await deps.queue.send(message);
    }
    logger.info('delivery operation accepted', { deliveryId, operation: 'cancel', requestId });
    return { deliveryId, stage };
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

/** The stage the scheduler knows; 409 once the delivery is in flight or done (docs/architecture.md §3). */
function changeableStage(record: RequestRecord, verb: string): KnownStage {
  const stage = record.stage ?? 'Requested';
  if (FINAL_OR_IN_FLIGHT.has(stage)) {
    throw new ConflictError(
      `Delivery ${record.deliveryId} is ${stage} and can no longer be ${verb}.`,
      'delivery-not-changeable',
    );
  }
  return stage;
}

/**
 * The schedule's message when the schedule has not started yet (it was stored but its send may
 * have been lost): sent before a reschedule or cancel so the delivery's FIFO group runs it first.
 * A repeat of a message still in the queue is dropped by SQS.
 */
function scheduleFirst(record: RequestRecord, correlationId: string): RequestMessage[] {
  return record.sweepAt === undefined ? [] : [scheduleMessage(record, correlationId)];
}

function operationMessage(
  record: RequestRecord,
  operation: 'reschedule' | 'cancel',
  requestId: string,
  correlationId: string,
): RequestMessage {
  return { deliveryId: record.deliveryId, operation, requestId, accountId: record.accountId, correlationId };
}

/** Sends the messages of stored work in order; a failure is left to the sweeper (see the top of this file). */
async function sendAccepted(deps: IngestDeps, messages: RequestMessage[]): Promise<void> {
  for (const message of messages) {
    try {
      await deps.queue.send(message);
    } catch (error) {
      logger.warn('stored but not enqueued; the sweeper will enqueue it', {
        deliveryId: message.deliveryId,
        operation: message.operation,
        requestId: message.requestId,
        error: error as Error,
      });
      // Later messages must not overtake this one in the delivery's group: the sweeper sends them in order.
      return;
    }
  }
}

/** Client-facing errors pass through; any other failure (table, queue) is a retry-safe 503. */
async function asRetrySafe<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new ServiceUnavailableError('The request could not be accepted now; retry it later.', error);
  }
}
