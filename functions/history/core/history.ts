import * as z from 'zod';
import type { ParsedDeliveryEvent } from '../../../events/schemas.ts';
import { NotFoundError, ValidationError } from '../../../shared/errors.ts';
import type { HistoryEntry, HistoryStore } from './store.ts';

// Delivery History: every delivery event once, in order, readable only by the delivery's account.

/** Records one delivery event; a repeat (same event id and time) is recognized and changes nothing. */
export async function recordEvent(store: HistoryStore, event: ParsedDeliveryEvent): Promise<boolean> {
  const { metadata, ...data } = event.detail;
  const entry: HistoryEntry = {
    eventId: event.envelope.id,
    type: event.detailType,
    occurredAt: new Date(event.envelope.time).toISOString(),
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
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Reads a `nextToken`; one that is not a position in this delivery's history is a 400. */
export function decodeHistoryToken(deliveryId: string, token: string): { pk: string; sk: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch (error) {
    throw new ValidationError(
      'nextToken is invalid.',
      [{ path: '/nextToken', message: 'not a token' }],
      error,
    );
  }
  const result = PageToken.safeParse(parsed);
  if (!result.success || result.data.pk !== `DELIVERY#${deliveryId}`) {
    throw new ValidationError('nextToken is invalid.', [
      { path: '/nextToken', message: 'not a token of this delivery' },
    ]);
  }
  return result.data;
}

/** A page of the history of the caller's own delivery, oldest first; another account's is 404. */
export async function getHistory(
  store: HistoryStore,
  accountId: string,
  deliveryId: string,
  limit: number,
  nextToken: string | undefined,
): Promise<{ items: HistoryEntry[]; nextToken?: string }> {
  const startKey = nextToken === undefined ? undefined : decodeHistoryToken(deliveryId, nextToken);
  const owner = await store.ownerOf(deliveryId);
  if (owner !== accountId) throw new NotFoundError(`Delivery ${deliveryId} has no history.`);
  const page = await store.list(deliveryId, limit, startKey);
  return {
    items: page.items,
    ...(page.lastKey ? { nextToken: encodeHistoryToken(page.lastKey) } : {}),
  };
}
