import { ServiceUnavailableError } from '../../../shared/errors.ts';
import { type EventToEmit, pendingEvents, publishPending } from '../../../shared/outbox.ts';
import type { EventPublisher } from '../../../shared/publisher.ts';
import type { DeliveryChanges, DeliveryRecord } from './model.ts';
import { type DeliveryStore, StaleVersionError } from './store.ts';

// How a stage change and its event stay consistent (the transactional-outbox choice):
// 1. The change is a conditional update on the version that was read (optimistic concurrency), and
//    the same write stores the events it causes in `pendingEvents` (with a `pendingKey`), each with
//    its identity fixed there: `eventId` and `occurredAt` (shared/outbox.ts).
// 2. After the write the events are published, then `pendingEvents` is removed (conditional on its key).
// 3. If publishing fails the call fails (transient: 503 for the API, a retried message for SQS). Any
//    later call on the delivery, the retry of the same call included, first publishes what is still
//    pending, then decides; a repeated call finds the delivery in its target stage and changes nothing.
// 4. A call that dies between the write and the clear (a crash, a timeout) leaves the outbox on the
//    item, indexed by when it was written; the outbox sweeper (core/sweeper.ts) publishes it once it
//    is older than any call could still be running.
// So an event is published at least once per transition and, once published and cleared, never again.
// It can be published twice (a crash after publishing, two calls racing on one uncleared outbox, a
// slow call overtaken by the sweeper), always with the same `eventId` and `occurredAt`: consumers
// deduplicate on the `eventId` (docs/architecture.md, event catalog).

/** What the Delivery service's logic is given. */
export interface DeliveryDeps {
  store: DeliveryStore;
  publisher: EventPublisher;
  now: () => Date;
}

/** The outcome a `decide` function chooses for the record it was shown. */
export type Decision =
  | { kind: 'unchanged'; reason?: string }
  | { kind: 'change'; changes: DeliveryChanges; events: EventToEmit[] };

/** The record after a transition and whether this call changed it. */
export interface TransitionResult {
  record: DeliveryRecord;
  changed: boolean;
  reason?: string;
}

const MAX_ATTEMPTS = 5;

/** Publishes a record's outbox, if any, and clears it; returns the record without it. */
export async function flushPending(deps: DeliveryDeps, record: DeliveryRecord): Promise<DeliveryRecord> {
  const pending = record.pendingEvents ?? [];
  if (pending.length === 0 || record.pendingKey === undefined) return record;
  try {
    // Published with the identity it was stored with, whoever publishes it and however often.
    await publishPending(deps.publisher, pending);
  } catch (error) {
    throw new ServiceUnavailableError(
      'The delivery changed but its events could not be published yet.',
      error,
    );
  }
  await deps.store.clearPending(record.deliveryId, record.pendingKey);
  const { pendingEvents: _events, pendingKey: _key, ...rest } = record;
  return rest;
}

/**
 * Reads the delivery, publishes its outbox, lets `decide` choose, and writes the change with its
 * events conditionally; a lost race is decided again on the fresh record. Undefined when the delivery is unknown.
 */
export async function transition(
  deps: DeliveryDeps,
  deliveryId: string,
  correlationId: string,
  decide: (record: DeliveryRecord) => Decision,
): Promise<TransitionResult | undefined> {
  for (let attempt = 1; ; attempt++) {
    const stored = await deps.store.get(deliveryId);
    if (!stored) return undefined;
    const current = await flushPending(deps, stored);
    const decision = decide(current);
    if (decision.kind === 'unchanged') {
      return { record: current, changed: false, ...(decision.reason ? { reason: decision.reason } : {}) };
    }
    const now = deps.now();
    try {
      const written = await deps.store.update(
        deliveryId,
        current.version,
        // A decision may keep `updatedAt` (a change of bookkeeping only, invisible to clients).
        { updatedAt: now.toISOString(), ...decision.changes },
        pendingEvents(decision.events, correlationId, now),
      );
      return { record: await flushPending(deps, written), changed: true };
    } catch (error) {
      if (!(error instanceof StaleVersionError)) throw error;
      if (attempt >= MAX_ATTEMPTS) {
        throw new ServiceUnavailableError('The delivery is being changed concurrently; retry.', error);
      }
    }
  }
}
