import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixture } from '../../../events/fixtures.ts';
import { type ParsedDeliveryEvent, parseDeliveryEvent } from '../../../events/schemas.ts';
import { NotFoundError, ValidationError } from '../../../shared/errors.ts';
import { createTestTable } from '../../../test/support/dynamodb.ts';
import { getHistory, recordEvent } from './history.ts';
import { createHistoryStore, type HistoryStore } from './store.ts';

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

describe('recordEvent', () => {
  it('writes a repeated event once', async () => {
    const deliveryId = `d-history-${++sequence}`;
    const [created] = about(deliveryId);
    if (!created) throw new Error('no event');

    const results = [await recordEvent(store, created), await recordEvent(store, created)];

    expect(results).toEqual([true, false]);
    expect((await getHistory(store, 'acct-demo', deliveryId, 50, undefined)).items).toHaveLength(1);
  });

  it('stores the detail without metadata, with type, time and correlation id', async () => {
    const deliveryId = `d-history-${++sequence}`;
    const [created] = about(deliveryId);
    if (!created) throw new Error('no event');
    await recordEvent(store, created);

    const { items } = await getHistory(store, 'acct-demo', deliveryId, 50, undefined);

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

describe('getHistory', () => {
  it('reads the events oldest first, page by page', async () => {
    const deliveryId = `d-history-${++sequence}`;
    for (const event of about(deliveryId).reverse()) await recordEvent(store, event);

    const first = await getHistory(store, 'acct-demo', deliveryId, 2, undefined);
    const second = await getHistory(store, 'acct-demo', deliveryId, 2, first.nextToken);

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

    const { items } = await getHistory(store, 'acct-demo', deliveryId, 50, undefined);

    expect(items.map((item) => item.type)).toEqual(['DeliveryCreated', 'DeliveryInTransit']);
  });

  it("answers 404 for another account's delivery", async () => {
    const deliveryId = `d-history-${++sequence}`;
    for (const event of about(deliveryId)) await recordEvent(store, event);

    await expect(getHistory(store, 'acct-other', deliveryId, 50, undefined)).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('answers 404 for a delivery without history', async () => {
    await expect(getHistory(store, 'acct-demo', 'd-history-none', 50, undefined)).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it("refuses a token of another delivery's history with 400", async () => {
    const deliveryId = `d-history-${++sequence}`;
    for (const event of about(deliveryId)) await recordEvent(store, event);
    const { nextToken } = await getHistory(store, 'acct-demo', deliveryId, 1, undefined);

    await expect(getHistory(store, 'acct-demo', 'd-history-1', 1, nextToken)).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});
