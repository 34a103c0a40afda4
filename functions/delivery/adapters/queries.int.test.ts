import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../../shared/errors.ts';
import { requestLookupOf } from '../../../shared/test-support/request-lookup.ts';
import { createTestTable } from '../../../test/support/dynamodb.ts';
import { putDelivery } from '../core/lifecycle.ts';
import {
  encodePageToken,
  listDeliveries,
  MAX_SUBSCRIPTIONS_PER_DELIVERY,
  requestNotification,
} from '../core/queries.ts';
import type { DeliveryStore } from '../core/store.ts';
import { newDelivery, steppingClock } from '../test-support/fakes.ts';
import { createDeliveryStore } from './dynamodb-store.ts';

let table: Awaited<ReturnType<typeof createTestTable>>;
let store: DeliveryStore;
const now = steppingClock();

beforeAll(async () => {
  table = await createTestTable('delivery-queries');
  store = createDeliveryStore(table.documentClient, table.tableName);
  for (const index of [1, 2, 3, 4, 5]) {
    await putDelivery({ store, now }, `d-list-${index}`, newDelivery('acct-list'));
  }
  await putDelivery({ store, now }, 'd-other-1', newDelivery('acct-other'));
});
afterAll(async () => {
  await table.drop();
});

describe('listDeliveries', () => {
  it("lists the account's deliveries newest first, page by page", async () => {
    const first = await listDeliveries(store, 'acct-list', 2, undefined);
    const second = await listDeliveries(store, 'acct-list', 2, first.nextToken);
    const third = await listDeliveries(store, 'acct-list', 2, second.nextToken);

    expect([first, second, third].flatMap((page) => page.items.map((item) => item.deliveryId))).toEqual([
      'd-list-5',
      'd-list-4',
      'd-list-3',
      'd-list-2',
      'd-list-1',
    ]);
    expect(third.nextToken).toBeUndefined();
  });

  it('gives no token when the page holds the last delivery', async () => {
    const page = await listDeliveries(store, 'acct-list', 5, undefined);

    expect(page.items).toHaveLength(5);
    expect(page.nextToken).toBeUndefined();
  });

  it("refuses another account's token with 400", async () => {
    const { nextToken } = await listDeliveries(store, 'acct-list', 1, undefined);

    await expect(listDeliveries(store, 'acct-other', 1, nextToken)).rejects.toBeInstanceOf(ValidationError);
  });

  it('refuses a token pointing into another account with 400', async () => {
    const forged = encodePageToken('acct-list', {
      pk: 'DELIVERY#d-other-1',
      sk: 'DELIVERY',
      gsi1pk: 'ACCOUNT#acct-other',
      gsi1sk: 'x',
    });

    await expect(listDeliveries(store, 'acct-list', 1, forged)).rejects.toBeInstanceOf(ValidationError);
  });

  it.each(['not-a-token', Buffer.from('{"account":1}').toString('base64url'), '%%%'])(
    'refuses the tampered token %s with 400',
    async (token) => {
      await expect(listDeliveries(store, 'acct-list', 1, token)).rejects.toBeInstanceOf(ValidationError);
    },
  );
});

describe('requestNotification', () => {
  it('gives the same subscription when the same channel and target are asked twice', async () => {
    const first = await requestNotification(
      { store, now, requests: requestLookupOf(), remainingTimeMs: () => 5_000 },
      'acct-list',
      'd-list-1',
      {
        channel: 'email',
        target: 'Ann@Example.com',
      },
    );

    const second = await requestNotification(
      { store, now, requests: requestLookupOf(), remainingTimeMs: () => 5_000 },
      'acct-list',
      'd-list-1',
      {
        channel: 'email',
        target: 'ann@example.com',
      },
    );

    expect(second).toEqual(first);
    expect(await store.listSubscriptions('d-list-1')).toHaveLength(1);
  });

  it('keeps one subscription per channel and target', async () => {
    await requestNotification(
      { store, now, requests: requestLookupOf(), remainingTimeMs: () => 5_000 },
      'acct-list',
      'd-list-2',
      {
        channel: 'sms',
        target: '+14155550123',
      },
    );
    await requestNotification(
      { store, now, requests: requestLookupOf(), remainingTimeMs: () => 5_000 },
      'acct-list',
      'd-list-2',
      {
        channel: 'email',
        target: 'a@example.com',
      },
    );

    const subscriptions = await store.listSubscriptions('d-list-2');

    expect(subscriptions.map((subscription) => subscription.channel).sort()).toEqual(['email', 'sms']);
  });

  it('takes a subscription for a delivery accepted but not created yet, for its owner only', async () => {
    const requests = requestLookupOf({ deliveryId: 'd-accepted-1', accountId: 'acct-list' });
    const deps = { store, now, requests, remainingTimeMs: () => 5_000 };

    const subscription = await requestNotification(deps, 'acct-list', 'd-accepted-1', {
      channel: 'sms',
      target: '+14155550123',
    });
    await expect(
      requestNotification(deps, 'acct-other', 'd-accepted-1', { channel: 'sms', target: '+14155550124' }),
    ).rejects.toBeInstanceOf(NotFoundError);

    expect(await store.listSubscriptions('d-accepted-1')).toEqual([subscription]);
  });

  it("refuses another account's delivery with 404 and stores nothing", async () => {
    await expect(
      requestNotification(
        { store, now, requests: requestLookupOf(), remainingTimeMs: () => 5_000 },
        'acct-list',
        'd-other-1',
        {
          channel: 'sms',
          target: '+14155550123',
        },
      ),
    ).rejects.toBeInstanceOf(NotFoundError);

    expect(await store.listSubscriptions('d-other-1')).toEqual([]);
  });

  it('refuses the 11th distinct target with 409 and keeps the 10', async () => {
    const deliveryId = await ownDelivery();
    for (let index = 0; index < MAX_SUBSCRIPTIONS_PER_DELIVERY; index++) {
      await subscribe(deliveryId, `user${index}@example.com`);
    }

    const eleventh = subscribe(deliveryId, 'one-too-many@example.com');

    await expect(eleventh).rejects.toBeInstanceOf(ConflictError);
    await expect(eleventh).rejects.toMatchObject({ type: expect.stringMatching(/subscription-limit$/) });
    expect(await store.listSubscriptions(deliveryId)).toHaveLength(MAX_SUBSCRIPTIONS_PER_DELIVERY);
  });

  it('gives a target already subscribed its subscription again at the limit', async () => {
    const deliveryId = await ownDelivery();
    const subscriptions = [];
    for (let index = 0; index < MAX_SUBSCRIPTIONS_PER_DELIVERY; index++) {
      subscriptions.push(await subscribe(deliveryId, `user${index}@example.com`));
    }

    const again = await subscribe(deliveryId, 'USER3@example.com');

    expect(again).toEqual(subscriptions[3]);
  });

  it('creates exactly 10 of 20 concurrent distinct targets and refuses the rest with 409', async () => {
    const deliveryId = await ownDelivery();

    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, index) =>
        subscribe(deliveryId, `+1415555${String(index).padStart(4, '0')}`, 'sms'),
      ),
    );

    const created = results.filter((result) => result.status === 'fulfilled');
    const refused = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    expect(created).toHaveLength(MAX_SUBSCRIPTIONS_PER_DELIVERY);
    expect(refused).toHaveLength(20 - MAX_SUBSCRIPTIONS_PER_DELIVERY);
    expect(refused.every((error) => error instanceof ConflictError)).toBe(true);
    expect(await store.listSubscriptions(deliveryId)).toHaveLength(MAX_SUBSCRIPTIONS_PER_DELIVERY);
    expect(await subscriptionCount(deliveryId)).toBe(MAX_SUBSCRIPTIONS_PER_DELIVERY);
  });

  it('gives 20 concurrent requests for one target one subscription, counted once', async () => {
    const deliveryId = await ownDelivery();

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        subscribe(deliveryId, index % 2 ? 'Ann@Example.com' : 'ann@example.com'),
      ),
    );

    expect(new Set(results.map((subscription) => subscription.subscriptionId)).size).toBe(1);
    expect(results.every((subscription) => subscription.target === 'ann@example.com')).toBe(true);
    expect(await store.listSubscriptions(deliveryId)).toHaveLength(1);
    expect(await subscriptionCount(deliveryId)).toBe(1);
  });
});

let ownSequence = 0;

/** A fresh delivery of `acct-list`, so each limit test starts from no subscription. */
async function ownDelivery(): Promise<string> {
  const deliveryId = `d-subscribe-${++ownSequence}`;
  await putDelivery({ store, now }, deliveryId, newDelivery('acct-list'));
  return deliveryId;
}

function subscribe(deliveryId: string, target: string, channel: 'email' | 'sms' = 'email') {
  return requestNotification(
    { store, now, requests: requestLookupOf(), remainingTimeMs: () => 5_000 },
    'acct-list',
    deliveryId,
    { channel, target },
  );
}

/** The delivery's subscription counter as stored. */
async function subscriptionCount(deliveryId: string): Promise<unknown> {
  const { Item } = await table.documentClient.send(
    new GetCommand({
      TableName: table.tableName,
      Key: { pk: `DELIVERY#${deliveryId}`, sk: 'SUBSCRIPTIONS' },
    }),
  );
  return Item?.subscriptionCount;
}
