import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixture } from '../../../events/fixtures.ts';
import { type ParsedDeliveryEvent, parseDeliveryEvent } from '../../../events/schemas.ts';
import { fakeEventBridge } from '../../../events/test-support/fake-event-bridge.ts';
import { NotFoundError, ServiceUnavailableError, ValidationError } from '../../../shared/errors.ts';
import { pendingEvents, publishPending } from '../../../shared/outbox.ts';
import { createEventPublisher } from '../../../shared/publisher.ts';
import { requestLookupOf } from '../../../shared/test-support/request-lookup.ts';
import { createTestTable } from '../../../test/support/dynamodb.ts';
import { getHistory, recordEvent } from '../core/history.ts';
import type { HistoryStore } from '../core/store.ts';
import { createHistoryStore } from './dynamodb-store.ts';

const DELIVERY_EVENTS = loadFixture('events/fixtures/scenarios/delivery-completed.json')
  .filter((event) => event.source === 'drone-delivery.deliveries')
  .map((event) => parseDeliveryEvent(event));

let table: Awaited<ReturnType<typeof createTestTable>>;
let store: HistoryStore;
let sequence = 0;

beforeAll(async () => {
  table = await createTestTable('history');
  store = createHistoryStore(table.documentClient, table.tableName);
});
afterAll(async () => {
  await table.drop();
});

function about(deliveryId: string): ParsedDeliveryEvent[] {
  return DELIVERY_EVENTS.map((event) =>
    parseDeliveryEvent({ ...event.envelope, detail: { ...event.detail, deliveryId } }),
  );
}

/** The event published again: a new envelope, the same `metadata.eventId`, maybe another time. */
function republished(event: ParsedDeliveryEvent, envelopeId: string, occurredAt?: string) {
  const metadata = {
    ...event.detail.metadata,
    eventId: event.eventId,
    ...(occurredAt === undefined ? {} : { occurredAt }),
  };
  return parseDeliveryEvent({ ...event.envelope, id: envelopeId, detail: { ...event.detail, metadata } });
}

/** The public read's dependencies: no request accepted elsewhere unless a test says so. */
const reader = () => ({ store, requests: requestLookupOf(), remainingTimeMs: () => 5_000 });

async function entriesOf(deliveryId: string) {
  return (await getHistory(reader(), 'acct-demo', deliveryId, 50, undefined)).items;
}

describe('recordEvent', () => {
  it('writes a repeated event once', async () => {
    const deliveryId = `d-history-${++sequence}`;
    const [created] = about(deliveryId);
    if (!created) throw new Error('no event');

    const results = [await recordEvent(store, created), await recordEvent(store, created)];

    expect(results).toEqual([true, false]);
    expect((await getHistory(reader(), 'acct-demo', deliveryId, 50, undefined)).items).toHaveLength(1);
  });

  it('records an event once when 20 copies arrive at the same time', async () => {
    const deliveryId = `d-history-${++sequence}`;
    const [created] = about(deliveryId);
    if (!created) throw new Error('no event');

    const results = await Promise.all(Array.from({ length: 20 }, () => recordEvent(store, created)));

    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await entriesOf(deliveryId)).toHaveLength(1);
  });

  it('records an event once when 20 publications of it, each under its own envelope and time, arrive together', async () => {
    const deliveryId = `d-history-${++sequence}`;
    const [created] = about(deliveryId);
    if (!created) throw new Error('no event');
    const copies = Array.from({ length: 20 }, (_, index) =>
      republished(created, `envelope-${index}`, `2026-05-04T16:00:${String(index).padStart(2, '0')}.000Z`),
    );

    const results = await Promise.all(copies.map((copy) => recordEvent(store, copy)));

    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await entriesOf(deliveryId)).map((entry) => entry.eventId)).toEqual([created.eventId]);
  });

  it('records an event published twice from an outbox once', async () => {
    const deliveryId = `d-history-${++sequence}`;
    const bus = fakeEventBridge();
    const publisher = createEventPublisher(bus.client, 'test-bus');
    const [created] = about(deliveryId);
    const { metadata: _metadata, ...data } = created?.detail ?? {};
    const pending = pendingEvents(
      [{ detailType: 'DeliveryCreated', data }],
      'corr-outbox',
      new Date('2026-05-04T16:00:00.123Z'),
    );
    await publishPending(publisher, pending);
    await publishPending(publisher, pending);
    const [first, second] = bus.envelopes.map((envelope) => parseDeliveryEvent(envelope));
    if (!first || !second) throw new Error('two publications expected');

    const results = [await recordEvent(store, first), await recordEvent(store, second)];

    expect(first.envelope.id).not.toBe(second.envelope.id);
    expect(results).toEqual([true, false]);
    expect(await entriesOf(deliveryId)).toEqual([
      expect.objectContaining({
        eventId: pending[0]?.eventId,
        occurredAt: '2026-05-04T16:00:00.123Z',
        correlationId: 'corr-outbox',
      }),
    ]);
  });

  it('keeps the order of the events that one change told together', async () => {
    const deliveryId = `d-history-${++sequence}`;
    const bus = fakeEventBridge();
    const publisher = createEventPublisher(bus.client, 'test-bus');
    const batch = about(deliveryId).map(({ detailType, detail: { metadata: _metadata, ...data } }) => ({
      detailType,
      data,
    }));
    await publishPending(publisher, pendingEvents(batch, 'corr-batch', new Date('2026-05-04T16:00:00.000Z')));

    for (const envelope of bus.envelopes.reverse()) await recordEvent(store, parseDeliveryEvent(envelope));

    expect((await entriesOf(deliveryId)).map((entry) => entry.type)).toEqual([
      'DeliveryCreated',
      'DeliveryInTransit',
      'DeliveryCompleted',
    ]);
  });

  it('records an event that names no account under the owner already stored', async () => {
    const deliveryId = `d-history-${++sequence}`;
    const [created, inTransit] = about(deliveryId);
    if (!created || !inTransit) throw new Error('no events');
    const { accountId: _none, ...detail } = inTransit.detail;
    await recordEvent(store, created);

    await recordEvent(store, parseDeliveryEvent({ ...inTransit.envelope, detail }));

    expect((await entriesOf(deliveryId)).map((entry) => entry.type)).toEqual([
      'DeliveryCreated',
      'DeliveryInTransit',
    ]);
    expect(await store.ownerOf(deliveryId)).toBe('acct-demo');
  });

  it('stores the detail without metadata, with type, time and correlation id', async () => {
    const deliveryId = `d-history-${++sequence}`;
    const [created] = about(deliveryId);
    if (!created) throw new Error('no event');
    await recordEvent(store, created);

    const { items } = await getHistory(reader(), 'acct-demo', deliveryId, 50, undefined);

    const { metadata: _metadata, ...data } = created.detail;
    expect(items).toEqual([
      {
        eventId: created.envelope.id,
        type: 'DeliveryCreated',
        occurredAt: '2026-05-04T16:00:00.000Z',
        data,
        correlationId: 'corr-fixture-0001',
      },
    ]);
  });
});

describe('a refused reschedule', () => {
  const [REJECTED] = loadFixture('events/fixtures/DeliveryRescheduleRejected.json').map((event) =>
    parseDeliveryEvent(event),
  );

  it("shows in the delivery's history with its reason and the refused change, once", async () => {
    const deliveryId = `d-history-${++sequence}`;
    const [created] = about(deliveryId);
    if (!created || !REJECTED) throw new Error('no events');
    const rejected = parseDeliveryEvent({
      ...REJECTED.envelope,
      detail: { ...REJECTED.detail, deliveryId },
    });
    await recordEvent(store, created);

    const results = [
      await recordEvent(store, rejected),
      await recordEvent(store, republished(rejected, 'again')),
    ];

    expect(results).toEqual([true, false]);
    const entries = await entriesOf(deliveryId);
    expect(entries.map((entry) => entry.type)).toEqual(['DeliveryCreated', 'DeliveryRescheduleRejected']);
    expect(entries[1]?.data).toMatchObject({
      reason: 'NoDroneAvailable',
      change: { dropoff: { latitude: 47.9, longitude: -122.9, altitude: 0 } },
      requestId: 'req-fixture-0005',
    });
  });
});

describe('getHistory', () => {
  it('reads the events oldest first, page by page', async () => {
    const deliveryId = `d-history-${++sequence}`;
    for (const event of about(deliveryId).reverse()) await recordEvent(store, event);

    const first = await getHistory(reader(), 'acct-demo', deliveryId, 2, undefined);
    const second = await getHistory(reader(), 'acct-demo', deliveryId, 2, first.nextToken);

    expect([...first.items, ...second.items].map((item) => item.type)).toEqual([
      'DeliveryCreated',
      'DeliveryInTransit',
      'DeliveryCompleted',
    ]);
    expect(second.nextToken).toBeUndefined();
  });

  it("orders events of the same second by the producer's millisecond time", async () => {
    const deliveryId = `d-history-${++sequence}`;
    const sameSecond = '2026-05-04T16:00:00Z';
    const [created, inTransit] = about(deliveryId).map((event, index) =>
      parseDeliveryEvent({
        ...event.envelope,
        // Event ids that sort against the publishing order, as random ids may.
        id: `${9 - index}-event`,
        time: sameSecond,
        detail: {
          ...event.detail,
          metadata: { ...event.detail.metadata, occurredAt: `2026-05-04T16:00:00.${100 + index}Z` },
        },
      }),
    );
    if (!created || !inTransit) throw new Error('no events');
    await recordEvent(store, inTransit);
    await recordEvent(store, created);

    const { items } = await getHistory(reader(), 'acct-demo', deliveryId, 50, undefined);

    expect(items.map((item) => item.type)).toEqual(['DeliveryCreated', 'DeliveryInTransit']);
  });

  it("answers 404 for another account's delivery", async () => {
    const deliveryId = `d-history-${++sequence}`;
    for (const event of about(deliveryId)) await recordEvent(store, event);

    await expect(getHistory(reader(), 'acct-other', deliveryId, 50, undefined)).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('answers 404 for a delivery without history', async () => {
    await expect(getHistory(reader(), 'acct-demo', 'd-history-none', 50, undefined)).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('answers the owner an empty history for a delivery accepted but not recorded yet, and others 404', async () => {
    const deliveryId = `d-history-${++sequence}`;
    const requests = requestLookupOf({ deliveryId, accountId: 'acct-demo' });
    const deps = { store, requests, remainingTimeMs: () => 5_000 };

    expect(await getHistory(deps, 'acct-demo', deliveryId, 50, undefined)).toEqual({ items: [] });
    await expect(getHistory(deps, 'acct-other', deliveryId, 50, undefined)).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('answers 503, never 404, when the Scheduler cannot say whether the delivery was accepted', async () => {
    const requests = {
      find: async () => {
        throw new Error('scheduler down');
      },
    };

    await expect(
      getHistory(
        { store, requests, remainingTimeMs: () => 5_000 },
        'acct-demo',
        'd-history-unknown',
        50,
        undefined,
      ),
    ).rejects.toBeInstanceOf(ServiceUnavailableError);
  });

  it("refuses a token of another delivery's history with 400", async () => {
    const deliveryId = `d-history-${++sequence}`;
    for (const event of about(deliveryId)) await recordEvent(store, event);
    const { nextToken } = await getHistory(reader(), 'acct-demo', deliveryId, 1, undefined);

    await expect(getHistory(reader(), 'acct-demo', 'd-history-1', 1, nextToken)).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});
