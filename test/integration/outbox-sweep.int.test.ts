// Across services: the Delivery outbox sweeper republishes abandoned events with their ids, and
// History and Notifications, the consumers, take each logical event once (docs/architecture.md §4).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseDeliveryEvent } from '../../events/schemas.ts';
import { createDeliveryStore } from '../../functions/delivery/adapters/dynamodb-store.ts';
import { putDelivery, scheduleDelivery } from '../../functions/delivery/core/lifecycle.ts';
import type { DeliveryStore } from '../../functions/delivery/core/store.ts';
import { type SweepLimits, sweepOutboxes } from '../../functions/delivery/core/sweeper.ts';
import type { DeliveryDeps } from '../../functions/delivery/core/transitions.ts';
import { fakeEventBridge, newDelivery, steppingClock } from '../../functions/delivery/test-support/fakes.ts';
import { createHistoryStore } from '../../functions/history/adapters/dynamodb-store.ts';
import { recordEvent } from '../../functions/history/core/history.ts';
import type { HistoryStore } from '../../functions/history/core/store.ts';
import { createSentLedger } from '../../functions/notifications/adapters/dynamodb-ledger.ts';
import { sendNotifications } from '../../functions/notifications/core/notify.ts';
import type { NotificationMessage } from '../../functions/notifications/core/sender.ts';
import { createEventPublisher } from '../../shared/publisher.ts';
import { createTestTable } from '../support/dynamodb.ts';

// Fault injection at each step boundary of the outbox (core/transitions.ts): the call dies after
// its write and before publishing, or after publishing and before clearing; the sweeper, or the
// next call, publishes the batch with its stored identity; History and Notifications, fed every
// publication as EventBridge would deliver it, record and send the event once.

const START = '2026-05-04T15:00:00.000Z';
const GRACE_MS = 60_000;
const LIMITS: SweepLimits = { graceMs: GRACE_MS, maxPerShard: 100, reserveMs: 1_000 };
const plenty = () => 60_000;
const assignment = {
  droneId: 'drone-001',
  pickupEta: '2026-05-04T16:04:00Z',
  deliveryEta: '2026-05-04T16:15:00Z',
};

/** What a process that dies at that point leaves: nothing after it runs. */
class Crash extends Error {
  override readonly name = 'Crash';
}

let deliveryTable: Awaited<ReturnType<typeof createTestTable>>;
let consumerTable: Awaited<ReturnType<typeof createTestTable>>;
let store: DeliveryStore;
let history: HistoryStore;
let bus: ReturnType<typeof fakeEventBridge>;
let sequence = 0;

beforeAll(async () => {
  [deliveryTable, consumerTable] = await Promise.all([
    createTestTable('delivery-outbox'),
    createTestTable('outbox-consumers'),
  ]);
  store = createDeliveryStore(deliveryTable.documentClient, deliveryTable.tableName);
  history = createHistoryStore(consumerTable.documentClient, consumerTable.tableName);
});
afterAll(async () => {
  await Promise.all([deliveryTable.drop(), consumerTable.drop()]);
});
beforeEach(() => {
  bus = fakeEventBridge();
});
// Every test starts with an empty outbox index: what one leaves behind is swept from the far future.
afterEach(async () => {
  const summary = await sweepOutboxes(depsAt('2100-01-01T00:00:00.000Z'), LIMITS, plenty);
  if (summary.failed > 0 || summary.more) throw new Error('outboxes left behind');
});

function depsAt(start: string, overrides: Partial<DeliveryStore> = {}): DeliveryDeps {
  return {
    store: { ...store, ...overrides },
    publisher: createEventPublisher(bus.client, 'test-bus'),
    now: steppingClock(start),
  };
}

/** A clock past the grace period of every outbox written since START. */
const later = () => new Date(Date.parse(START) + 10 * GRACE_MS).toISOString();

async function requested(deps: DeliveryDeps): Promise<string> {
  const deliveryId = `d-outbox-${++sequence}`;
  await putDelivery(deps, deliveryId, newDelivery());
  return deliveryId;
}

/** Every publication, delivered to History and to Notifications as EventBridge would deliver it. */
async function consume(): Promise<{ messages: NotificationMessage[] }> {
  const messages: NotificationMessage[] = [];
  const notify = {
    subscriptions: {
      list: async () => [
        { subscriptionId: 'sub-email', channel: 'email' as const, target: 'ann@example.com' },
      ],
    },
    sender: {
      async send(message: NotificationMessage) {
        messages.push(message);
        return {};
      },
    },
    ledger: createSentLedger(consumerTable.documentClient, consumerTable.tableName),
    now: () => new Date(),
    leaseMs: 60_000,
  };
  for (const envelope of bus.envelopes) {
    const event = parseDeliveryEvent(envelope);
    await recordEvent(history, event);
    await sendNotifications(notify, event, plenty);
  }
  return { messages };
}

async function historyOf(deliveryId: string) {
  return (await history.list(deliveryId, 50)).items;
}

describe('a call that dies after its write, before publishing', () => {
  it('leaves its outbox to the sweeper, which publishes it with its stored identity once', async () => {
    const deps = depsAt(START, {
      async update(...args) {
        await store.update(...args);
        throw new Crash('killed after the write');
      },
    });
    const deliveryId = await requested(deps);
    await expect(scheduleDelivery(deps, deliveryId, assignment)).rejects.toBeInstanceOf(Crash);
    const stored = await store.get(deliveryId);

    const summary = await sweepOutboxes(depsAt(later()), LIMITS, plenty);

    const { messages } = await consume();
    expect(summary).toMatchObject({ published: 1, failed: 0 });
    expect(bus.published.map((event) => event.detail.metadata.eventId)).toEqual([
      stored?.pendingEvents?.[0]?.eventId,
    ]);
    expect(await historyOf(deliveryId)).toEqual([
      expect.objectContaining({
        type: 'DeliveryCreated',
        eventId: stored?.pendingEvents?.[0]?.eventId,
        occurredAt: stored?.pendingEvents?.[0]?.occurredAt,
      }),
    ]);
    expect(messages).toHaveLength(1);
    expect(await store.get(deliveryId)).toMatchObject({ stage: 'Scheduled', version: stored?.version });
    expect((await store.get(deliveryId))?.pendingEvents).toBeUndefined();
  });

  it('is published by the retried call instead when it comes first, and the sweeper then finds nothing', async () => {
    const crashing = depsAt(START, {
      async update(...args) {
        await store.update(...args);
        throw new Crash('killed after the write');
      },
    });
    const deliveryId = await requested(crashing);
    await expect(scheduleDelivery(crashing, deliveryId, assignment)).rejects.toBeInstanceOf(Crash);

    await scheduleDelivery(depsAt(START), deliveryId, assignment);
    const summary = await sweepOutboxes(depsAt(later()), LIMITS, plenty);

    const { messages } = await consume();
    // Cleared with the batch, the index keys are gone too: the sweeper does not even see the item.
    expect(summary).toEqual({ published: 0, skipped: 0, failed: 0, more: false });
    expect((await historyOf(deliveryId)).map((entry) => entry.type)).toEqual(['DeliveryCreated']);
    expect(messages).toHaveLength(1);
  });
});

describe('a call that dies after publishing, before clearing', () => {
  function crashingBeforeClear() {
    return depsAt(START, {
      async clearPending() {
        throw new Crash('killed before the clear');
      },
    });
  }

  it('is published again by the sweeper as the same event, which consumers keep once', async () => {
    const deps = crashingBeforeClear();
    const deliveryId = await requested(deps);
    await expect(scheduleDelivery(deps, deliveryId, assignment)).rejects.toBeInstanceOf(Crash);

    await sweepOutboxes(depsAt(later()), LIMITS, plenty);

    const { messages } = await consume();
    const [first, second] = bus.published.map((event) => event.detail.metadata);
    expect(bus.envelopes).toHaveLength(2);
    expect(second).toEqual(first);
    expect((await historyOf(deliveryId)).map((entry) => entry.type)).toEqual(['DeliveryCreated']);
    expect(messages).toHaveLength(1);
    expect((await store.get(deliveryId))?.pendingEvents).toBeUndefined();
  });

  it('is published again by the next call, before its own change, as the same event', async () => {
    const deps = crashingBeforeClear();
    const deliveryId = await requested(deps);
    await expect(scheduleDelivery(deps, deliveryId, assignment)).rejects.toBeInstanceOf(Crash);

    await scheduleDelivery(depsAt(START), deliveryId, assignment);

    const { messages } = await consume();
    expect(bus.published.map((event) => event.detail.metadata.eventId)).toEqual([
      bus.published[0]?.detail.metadata.eventId,
      bus.published[0]?.detail.metadata.eventId,
    ]);
    expect((await historyOf(deliveryId)).map((entry) => entry.type)).toEqual(['DeliveryCreated']);
    expect(messages).toHaveLength(1);
  });
});

describe('sweepOutboxes', () => {
  async function abandoned(deps: DeliveryDeps): Promise<string> {
    const deliveryId = await requested(deps);
    bus.failNext();
    await expect(scheduleDelivery(deps, deliveryId, assignment)).rejects.toThrow();
    return deliveryId;
  }

  it('leaves an outbox younger than the grace period to the call that wrote it', async () => {
    const deliveryId = await abandoned(depsAt('2030-01-01T00:00:00.000Z'));

    const summary = await sweepOutboxes(depsAt('2030-01-01T00:00:30.000Z'), LIMITS, plenty);

    expect(summary.published).toBe(0);
    expect((await store.get(deliveryId))?.pendingEvents).toHaveLength(1);
    await sweepOutboxes(depsAt('2030-01-01T00:10:00.000Z'), LIMITS, plenty);
    expect((await store.get(deliveryId))?.pendingEvents).toBeUndefined();
  });

  it('counts an outbox it cannot publish and goes on with the others', async () => {
    const first = await abandoned(depsAt('2031-01-01T00:00:00.000Z'));
    const second = await abandoned(depsAt('2031-01-01T00:00:10.000Z'));
    bus.failNext();

    const summary = await sweepOutboxes(depsAt('2031-01-01T00:10:00.000Z'), LIMITS, plenty);

    expect(summary).toMatchObject({ published: 1, failed: 1 });
    const left = [await store.get(first), await store.get(second)].filter((record) => record?.pendingEvents);
    expect(left).toHaveLength(1);
  });

  it('starts nothing when the invocation has too little time left', async () => {
    const deliveryId = await abandoned(depsAt('2032-01-01T00:00:00.000Z'));

    const summary = await sweepOutboxes(depsAt('2032-01-01T00:10:00.000Z'), LIMITS, () => 500);

    expect(summary).toEqual({ published: 0, skipped: 0, failed: 0, more: true });
    expect((await store.get(deliveryId))?.pendingEvents).toHaveLength(1);
  });

  it('works a backlog larger than its per-shard limit off over several runs', async () => {
    const ids = [];
    for (let index = 0; index < 9; index++)
      ids.push(await abandoned(depsAt(`2033-01-01T00:00:0${index}.000Z`)));
    const sweeper = depsAt('2033-01-01T00:10:00.000Z');
    const limits = { ...LIMITS, maxPerShard: 1 };

    const runs = [];
    for (let run = 0; run < 9; run++) {
      const summary = await sweepOutboxes(sweeper, limits, plenty);
      runs.push(summary);
      if (!summary.more) break;
    }

    expect(runs[0]?.published).toBeLessThanOrEqual(4);
    expect(runs[0]?.more).toBe(true);
    expect(runs.reduce((total, summary) => total + summary.published, 0)).toBe(9);
    const left = await Promise.all(ids.map((id) => store.get(id)));
    expect(left.filter((record) => record?.pendingEvents)).toEqual([]);
  });
});
