import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { outboxIndexKey } from '../../../shared/outbox.ts';
import { createTestTable } from '../../../test/support/dynamodb.ts';
import { ABANDONED_OUTBOX_MS, OUTBOX_SHARD_KEYS, sweepOutboxes } from '../core/outbox-sweeper.ts';
import type { DroneStore } from '../core/store.ts';
import { ingestTelemetry, type Telemetry } from '../core/telemetry.ts';
import { drone, near } from '../test-support/fixtures.ts';
import { recordingPublisher } from '../test-support/publisher.ts';
import { createDroneStore } from './dynamodb-store.ts';

// The drone outbox against DynamoDB Local: the batch is in the same conditional write as the report,
// the sparse index lists only marked drones, and whoever publishes a batch publishes it as stored.

let table: Awaited<ReturnType<typeof createTestTable>>;
let store: DroneStore;
let clock: number;
let bus: ReturnType<typeof recordingPublisher>;

const T0 = Date.parse('2030-01-01T10:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

beforeAll(async () => {
  table = await createTestTable('drone-outbox');
  store = createDroneStore(table.documentClient, table.tableName);
});

afterAll(async () => {
  await table.drop();
});

beforeEach(async () => {
  for (const existing of await store.listDrones()) {
    await table.documentClient.send(
      new DeleteCommand({
        TableName: table.tableName,
        Key: { pk: `DRONE#${existing.droneId}`, sk: 'DRONE' },
      }),
    );
  }
  clock = T0 + 1000;
  bus = recordingPublisher();
});

const deps = (correlationId = 'corr-1') => ({
  store,
  publisher: bus.publisher,
  now: () => new Date(clock),
  correlationId,
});

const sweep = (limitPerShard = 10) =>
  sweepOutboxes(
    { ...deps(), remainingMs: () => 60_000, onFailure: () => undefined },
    { graceMs: ABANDONED_OUTBOX_MS, limitPerShard, marginMs: 1_000 },
  );

function report(seconds: number, overrides: Partial<Telemetry> = {}): Telemetry {
  return { location: near(0.5), batteryPercent: 90, speedMps: 20, recordedAt: at(seconds), ...overrides };
}

const pickedUp = { deliveryId: 'del-1', status: 'PickedUp' as const };

async function flyingDrone(droneId: string) {
  await store.putDroneIfAbsent(
    drone(droneId, { state: 'HeadedToPickup', deliveryId: 'del-1', lastTelemetryAt: at(0) }),
  );
}

/** A PickedUp report whose write succeeds and whose publish never happens (the call dies in between). */
async function pickUpAndCrash(droneId: string) {
  bus.failNext();
  await expect(ingestTelemetry(deps(), droneId, report(1, pickedUp))).rejects.toMatchObject({
    statusCode: 503,
  });
  const stored = await store.getDrone(droneId);
  const status = stored?.outbox?.find((event) => event.detailType === 'DroneStatusChanged');
  return { stored, statusEventId: status?.eventId };
}

async function rawItem(droneId: string) {
  const { Item } = await table.documentClient.send(
    new GetCommand({ TableName: table.tableName, Key: { pk: `DRONE#${droneId}`, sk: 'DRONE' } }),
  );
  return Item ?? {};
}

describe('the drone outbox in DynamoDB', () => {
  it('stores the status change, its events and the index keys in one write', async () => {
    await flyingDrone('o-write');

    const { stored, statusEventId } = await pickUpAndCrash('o-write');

    expect(stored).toMatchObject({ state: 'PickedUp', lastTelemetryAt: at(1), outboxSince: at(1) });
    expect(statusEventId).toEqual(expect.any(String));
    expect(await rawItem('o-write')).toMatchObject(outboxIndexKey('DRONE#o-write', at(1)));
  });

  it('publishes the lost status event with its original eventId on the next report', async () => {
    await flyingDrone('o-next');
    const { statusEventId } = await pickUpAndCrash('o-next');

    await ingestTelemetry(
      deps('corr-2'),
      'o-next',
      report(2, { deliveryId: 'del-1', status: 'HeadedToDropoff' }),
    );

    const statuses = bus.published.filter((event) => event.detailType === 'DroneStatusChanged');
    expect(statuses.map((event) => [event.data.status, event.eventId, event.correlationId])).toEqual([
      ['PickedUp', statusEventId, 'corr-1'],
      ['HeadedToDropoff', expect.any(String), 'corr-2'],
    ]);
    expect(await rawItem('o-next')).not.toHaveProperty('outboxShard');
  });

  it('lets the sweeper publish the lost status event with its original eventId once past the grace period', async () => {
    await flyingDrone('o-sweep');
    const { statusEventId } = await pickUpAndCrash('o-sweep');

    const early = await sweep();
    clock += ABANDONED_OUTBOX_MS + 1;
    const late = await sweep();
    const again = await sweep();

    expect(early).toMatchObject({ found: 0, published: 0 });
    expect(late).toMatchObject({ found: 1, published: 1, failed: 0 });
    expect(again).toMatchObject({ found: 0, published: 0 });
    expect(bus.idsOf('DroneStatusChanged')).toEqual([statusEventId]);
    expect(await rawItem('o-sweep')).not.toHaveProperty('outboxShard');
  });

  it('publishes a repeated report twice under the same eventIds', async () => {
    await flyingDrone('o-twice');
    await ingestTelemetry(deps(), 'o-twice', report(1, pickedUp));

    await ingestTelemetry(deps(), 'o-twice', report(1, pickedUp));

    const ids = bus.idsOf('DroneStatusChanged');
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBe(ids[0]);
  });

  it('keeps a position-only report out of the index', async () => {
    await flyingDrone('o-position');

    await ingestTelemetry(deps(), 'o-position', report(1));

    const item = await rawItem('o-position');
    expect(item.outbox).toHaveLength(1);
    expect(item).not.toHaveProperty('outboxShard');
  });

  it('reads at most its limit per shard in a run, oldest first', async () => {
    const crowded = OUTBOX_SHARD_KEYS[0]!;
    const ids: string[] = [];
    for (let n = 0; ids.length < 3; n++) {
      if (outboxIndexKey(`DRONE#o-many-${n}`, at(1)).outboxShard === crowded) ids.push(`o-many-${n}`);
    }
    for (const [index, droneId] of ids.entries()) {
      clock = T0 + 1000 + index;
      await flyingDrone(droneId);
      await pickUpAndCrash(droneId);
    }
    clock += ABANDONED_OUTBOX_MS + 1;

    const runs = [await sweep(1), await sweep(1), await sweep(1), await sweep(1)];

    expect(runs.map((run) => run.published)).toEqual([1, 1, 1, 0]);
    expect(bus.published.map((event) => event.data.droneId)).toEqual(ids.flatMap((id) => [id, id]));
  });
});
