import { withCorrelationId } from '../../../shared/correlation.ts';
import { ServiceUnavailableError } from '../../../shared/errors.ts';
import { catalogEvent, type EventPublisher } from '../../../shared/publisher.ts';
import type { DeliveryChanges, DeliveryRecord, PendingEvent } from './model.ts';
import { type DeliveryStore, StaleVersionError } from './store.ts';

// How a stage change and its event stay consistent (the transactional-outbox choice):
// 1. The change is a conditional update on the version that was read (optimistic concurrency), and
//    the same write stores the events it causes in `pendingEvents` (with a `pendingKey`).
// 2. After the write the events are published, then `pendingEvents` is removed (conditional on its key).
// 3. If publishing fails the call fails (transient: 503 for the API, a retried message for SQS). Any
//    later call on the delivery, the retry of the same call included, first publishes what is still
//    pending, then decides; a repeated call finds the delivery in its target stage and changes nothing.
// So an event is published at least once per transition and, once published and cleared, never again.
// The remaining edge: two calls racing on the same uncleared outbox may both publish it (rare:
// it needs a failed or interrupted publish and concurrent calls), which consumers tolerate (they are idempotent).

/** What the Delivery service's logic is given. */
export interface DeliveryDeps {
  store: DeliveryStore;
  publisher: EventPublisher;
  now: () => Date;
}

/** The outcome a `decide` function chooses for the record it was shown. */
export type Decision =
  | { kind: 'unchanged'; reason?: string }
  | { kind: 'change'; changes: DeliveryChanges; events: Omit<PendingEvent, 'correlationId'>[] };

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
  const correlationId = pending[0]?.correlationId ?? record.deliveryId;
  try {
    // The events keep the correlation id of the call that caused them, even when a retry publishes them.
    await withCorrelationId(correlationId, () =>
      deps.publisher.publish(
        pending.map((event) => catalogEvent(event.detailType, event.data, event.causationId)),
      ),
    );
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
    try {
      const written = await deps.store.update(
        deliveryId,
        current.version,
        { ...decision.changes, updatedAt: deps.now().toISOString() },
        decision.events.map((event) => ({ ...event, correlationId })),
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
