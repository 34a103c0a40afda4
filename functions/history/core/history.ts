import * as z from 'zod';
import type { ParsedDeliveryEvent } from '../../../events/schemas.ts';
import { NotFoundError } from '../../../shared/errors.ts';
import { decodePageToken, encodePageToken } from '../../../shared/page-token.ts';
import { findOwnRequest, type RequestLookup } from '../../../shared/request-lookup.ts';
import type { HistoryEntry, HistoryStore } from './store.ts';

// Delivery History: every delivery event once, in order, readable only by the delivery's account.

/**
 * Records one delivery event once per `eventId`: the same event delivered again, or published again
 * under a new envelope (an outbox flushed twice), changes nothing. The owner comes from the event when
 * it names one (DeliveryCreated always does); otherwise the owner already stored stands.
 */
export async function recordEvent(store: HistoryStore, event: ParsedDeliveryEvent): Promise<boolean> {
  const { metadata, ...data } = event.detail;
  const entry: HistoryEntry = {
    eventId: event.eventId,
    type: event.detailType,
    // The producer's millisecond time orders events published within the same second.
    occurredAt: new Date(metadata.occurredAt ?? event.envelope.time).toISOString(),
    data,
    correlationId: metadata.correlationId,
  };
  return store.record(event.detail.deliveryId, event.detail.accountId, entry);
}

const PageToken = z.strictObject({
  pk: z.string(),
  sk: z.string().startsWith('EVENT#'),
});

/** The opaque `nextToken` of a history page. */
export function encodeHistoryToken(key: { pk: string; sk: string }): string {
  return encodePageToken(key);
}

/** Reads a `nextToken`; one that is not a position in this delivery's history is a 400. */
export function decodeHistoryToken(deliveryId: string, token: string): { pk: string; sk: string } {
  return decodePageToken(token, PageToken, (key) => key.pk === `DELIVERY#${deliveryId}`, 'delivery');
}

/**
 * A page of the history of the caller's own delivery, oldest first; another account's is 404. One
 * accepted but not recorded yet is empty (asked of the Scheduler, shared/request-lookup.ts).
 */
export async function getHistory(
  deps: { store: HistoryStore; requests: RequestLookup; remainingTimeMs: () => number },
  accountId: string,
  deliveryId: string,
  limit: number,
  nextToken: string | undefined,
): Promise<{ items: HistoryEntry[]; nextToken?: string }> {
  const { store } = deps;
  const startKey = nextToken === undefined ? undefined : decodeHistoryToken(deliveryId, nextToken);
  const owner = await store.ownerOf(deliveryId);
  if (owner === undefined) {
    // No DeliveryCreated recorded yet: a delivery its owner had accepted has an empty history so far.
    const requested = await findOwnRequest(deps.requests, accountId, deliveryId, deps.remainingTimeMs);
    if (requested) return { items: [] };
  }
  if (owner !== accountId) throw new NotFoundError(`Delivery ${deliveryId} has no history.`);
  const page = await store.list(deliveryId, limit, startKey);
  return {
    items: page.items,
    ...(page.lastKey ? { nextToken: encodeHistoryToken(page.lastKey) } : {}),
  };
}
