import { describe, expect, it } from 'vitest';
import { outboxIndexKey, pendingEvents } from '../../../shared/outbox.ts';
import { drone, near } from '../test-support/fixtures.ts';
import { createMemoryDroneStore } from '../test-support/memory-store.ts';
import { recordingPublisher } from '../test-support/publisher.ts';
import type { Drone } from './model.ts';
import { ABANDONED_OUTBOX_MS, OUTBOX_SHARD_KEYS, type SweepDeps, sweepOutboxes } from './outbox-sweeper.ts';
import type { DroneStore } from './store.ts';

const NOW = new Date('2030-01-01T10:00:00.000Z');
const OLD = new Date(NOW.getTime() - ABANDONED_OUTBOX_MS - 1).toISOString();
const settings = { graceMs: ABANDONED_OUTBOX_MS, limitPerShard: 2, marginMs: 1_000 };

/** A drone whose status change was written at `since` and never published. */
function marked(droneId: string, since = OLD): Drone {
  const outbox = pendingEvents(
    [
      {
        detailType: 'DroneStatusChanged',
        data: { droneId, status: 'PickedUp', location: near(1), batteryPercent: 80 },
      },
    ],
    `corr-${droneId}`,
    new Date(since),
  );
  return drone(droneId, { state: 'PickedUp', outbox, outboxKey: `key-${droneId}`, outboxSince: since });
}

/** Drone ids that the index puts in `shard`. */
function idsInShard(shard: string, count: number): string[] {
  const ids: string[] = [];
  for (let n = 0; ids.length < count; n++) {
    if (outboxIndexKey(`DRONE#s-${n}`, OLD).outboxShard === shard) ids.push(`s-${n}`);
  }
  return ids;
}

function sweeper(store: DroneStore, overrides: Partial<SweepDeps> = {}) {
  const bus = recordingPublisher();
  const failures: string[] = [];
  const deps: SweepDeps = {
    store,
    publisher: bus.publisher,
    now: () => NOW,
    remainingMs: () => 60_000,
    onFailure: (droneId) => failures.push(droneId),
    ...overrides,
  };
  return { bus, failures, run: () => sweepOutboxes(deps, settings) };
}

describe('sweepOutboxes', () => {
  it('publishes each abandoned batch under its stored identity and clears it', async () => {
    const { store, drones } = createMemoryDroneStore([marked('a'), marked('b')]);
    const { bus, run } = sweeper(store);

    const result = await run();

    expect(result).toMatchObject({ found: 2, published: 2, skipped: 0, failed: 0, cutShort: false });
    expect(bus.published.map((event) => [event.eventId, event.correlationId]).sort()).toEqual(
      ['a', 'b'].map((id) => [drones.get(id)?.outbox?.[0]?.eventId, `corr-${id}`]).sort(),
    );
    expect([...drones.values()].map((stored) => stored.outboxKey)).toEqual([undefined, undefined]);
  });

  it('leaves a batch younger than the grace period to the call that wrote it', async () => {
    const { store, drones } = createMemoryDroneStore([marked('young', NOW.toISOString())]);
    const { bus, run } = sweeper(store);

    const result = await run();

    expect(result).toMatchObject({ found: 0, published: 0 });
    expect(bus.published).toEqual([]);
    expect(drones.get('young')?.outboxKey).toBe('key-young');
  });

  it('reads at most its limit per shard in one run and leaves the rest to the next', async () => {
    const crowded = OUTBOX_SHARD_KEYS[0]!;
    const { store } = createMemoryDroneStore(idsInShard(crowded, 5).map((id) => marked(id)));
    const { run } = sweeper(store);

    const first = await run();
    const second = await run();
    const third = await run();

    expect([first.published, second.published, third.published]).toEqual([2, 2, 1]);
  });

  it('starts no batch with less time left than its margin', async () => {
    const { store, drones } = createMemoryDroneStore([marked('a')]);
    const { bus, run } = sweeper(store, { remainingMs: () => settings.marginMs - 1 });

    const result = await run();

    expect(result).toMatchObject({ published: 0, cutShort: true });
    expect(bus.published).toEqual([]);
    expect(drones.get('a')?.outboxKey).toBe('key-a');
  });

  it('keeps a batch the bus refused for the next run and goes on with the others', async () => {
    const { store, drones } = createMemoryDroneStore([marked('a'), marked('b')]);
    const { bus, failures, run } = sweeper(store);
    bus.failNext();

    const result = await run();

    expect(result).toMatchObject({ found: 2, published: 1, failed: 1 });
    expect(failures).toHaveLength(1);
    expect(drones.get(failures[0]!)?.outboxKey).toBeDefined();
    expect(bus.published).toHaveLength(1);
  });

  it('skips a drone the index still lists after its batch was published', async () => {
    const { store } = createMemoryDroneStore([drone('done', { outbox: marked('done').outbox! })]);
    const lagging: DroneStore = {
      ...store,
      listPendingOutboxes: async (shard) =>
        shard === OUTBOX_SHARD_KEYS[0] ? [{ droneId: 'done', since: OLD }] : [],
    };
    const { bus, run } = sweeper(lagging);

    const result = await run();

    expect(result).toMatchObject({ found: 1, skipped: 1, published: 0 });
    expect(bus.published).toEqual([]);
  });

  it('skips a drone whose batch a newer report replaced since the index was read', async () => {
    const { store } = createMemoryDroneStore([marked('busy', NOW.toISOString())]);
    const lagging: DroneStore = {
      ...store,
      listPendingOutboxes: async (shard) =>
        shard === OUTBOX_SHARD_KEYS[0] ? [{ droneId: 'busy', since: OLD }] : [],
    };
    const { bus, run } = sweeper(lagging);

    const result = await run();

    expect(result).toMatchObject({ found: 1, skipped: 1, published: 0 });
    expect(bus.published).toEqual([]);
  });
});
