import { createHash } from 'node:crypto';
import * as z from 'zod';
import { ConflictError, NotFoundError, ServiceUnavailableError } from '../../../shared/errors.ts';
import {
  decodePageToken as decodeOpaqueToken,
  encodePageToken as encodeOpaqueToken,
} from '../../../shared/page-token.ts';
import { findOwnRequest, type RequestLookup } from '../../../shared/request-lookup.ts';
import type { Channel, DeliveryRecord, SubscriptionRecord } from './model.ts';
import { accountPartition, type DeliveryStore } from './store.ts';

// The public reads and the notification subscription. A delivery of another account is reported
// exactly like a missing one (404), so nobody learns which delivery ids exist.

const PageKey = z.strictObject({
  pk: z.string().startsWith('DELIVERY#'),
  sk: z.literal('DELIVERY'),
  gsi1pk: z.string(),
  gsi1sk: z.string(),
});
const PageToken = z.strictObject({ account: z.string(), key: PageKey });

/** The opaque `nextToken`: the index position, bound to the account it was issued to. */
export function encodePageToken(accountId: string, key: Record<string, string>): string {
  return encodeOpaqueToken({ account: accountId, key });
}

/** Reads a `nextToken`; anything not issued to this account is a 400, never another account's page. */
export function decodePageToken(accountId: string, token: string): Record<string, string> {
  const position = decodeOpaqueToken(
    token,
    PageToken,
    (candidate) => candidate.account === accountId && candidate.key.gsi1pk === accountPartition(accountId),
    'account',
  );
  return position.key;
}

/** One page of the account's deliveries, newest first. */
export async function listDeliveries(
  store: DeliveryStore,
  accountId: string,
  limit: number,
  nextToken: string | undefined,
): Promise<{ items: DeliveryRecord[]; nextToken?: string }> {
  const startKey = nextToken === undefined ? undefined : decodePageToken(accountId, nextToken);
  const page = await store.listByAccount(accountId, limit, startKey);
  return {
    items: page.items,
    ...(page.lastKey ? { nextToken: encodePageToken(accountId, page.lastKey) } : {}),
  };
}

/** Canonical form of a target, so that the same address asked twice is one subscription. */
export function normalizeTarget(channel: Channel, target: string): string {
  return channel === 'email' ? target.trim().toLowerCase() : target.trim();
}

/** Subscription ids are derived from delivery, channel and target: asking twice gives the same one. */
export function subscriptionIdOf(deliveryId: string, channel: Channel, target: string): string {
  const digest = createHash('sha256').update(`${deliveryId}\n${channel}\n${target}`).digest('hex');
  return `sub-${digest.slice(0, 24)}`;
}

/**
 * How many subscriptions one delivery may have: each is a message per event, so an unbounded list
 * would let one client make the system send SMS to any number of numbers.
 */
export const MAX_SUBSCRIPTIONS_PER_DELIVERY = 10;

/**
 * Subscribes the caller to notifications of its own delivery; the same channel and target give the
 * same subscription, even at the limit. A new one beyond the limit is a 409.
 */
export async function requestNotification(
  deps: { store: DeliveryStore; now: () => Date; requests: RequestLookup; remainingTimeMs: () => number },
  accountId: string,
  deliveryId: string,
  request: { channel: Channel; target: string },
): Promise<SubscriptionRecord> {
  const record = await deps.store.get(deliveryId);
  // Accepted but not created here yet: the subscription waits beside it, and hears its DeliveryCreated.
  const owned =
    record !== undefined
      ? record.accountId === accountId
      : (await findOwnRequest(deps.requests, accountId, deliveryId, deps.remainingTimeMs)) !== undefined;
  if (!owned) throw new NotFoundError(`Delivery ${deliveryId} does not exist.`);
  const target = normalizeTarget(request.channel, request.target);
  const outcome = await deps.store.putSubscription(
    {
      subscriptionId: subscriptionIdOf(deliveryId, request.channel, target),
      deliveryId,
      accountId,
      channel: request.channel,
      target,
      createdAt: deps.now().toISOString(),
    },
    MAX_SUBSCRIPTIONS_PER_DELIVERY,
  );
  switch (outcome.kind) {
    case 'limit-reached':
      throw new ConflictError(
        `Delivery ${deliveryId} already has ${MAX_SUBSCRIPTIONS_PER_DELIVERY} notification subscriptions.`,
        'subscription-limit',
      );
    case 'busy':
      throw new ServiceUnavailableError('The delivery is taking other subscriptions at this moment; retry.');
    default:
      return outcome.subscription;
  }
}
