import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPublisher, OutgoingEvent } from '../../../shared/publisher.ts';
import { createTestTable } from '../../../test/support/dynamodb.ts';
import { assignmentRequest, drone, near } from '../test-support/fixtures.ts';
import { assignDrone } from './assignment.ts';
import { createDroneStore } from './store.ts';
import type { DroneStore } from './store-port.ts';
import { ingestTelemetry, type Telemetry } from './telemetry.ts';

let table: Awaited<ReturnType<typeof createTestTable>>;
let store: DroneStore;

beforeAll(async () => {
  table = await createTestTable('drone-telemetry');
  store = createDroneStore(table.documentClient, table.tableName);
});

afterAll(async () => {
  await table.drop();
});

function recordingPublisher() {
  const published: OutgoingEvent[] = [];
  const publisher: EventPublisher = {
    async publish(events) {
      published.push(...events);
    },
  };
  return { publisher, published };
}

function report(recordedAt: string, overrides: Partial<Telemetry> = {}): Telemetry {
  return { location: near(0.5, 0, 120), batteryPercent: 90, speedMps: 20, recordedAt, ...overrides };
}

async function clearDrones() {
  for (const existing of await store.listDrones()) {
    await table.documentClient.send(
      new DeleteCommand({
        TableName: table.tableName,
        Key: { pk: `DRONE#${existing.droneId}`, sk: 'DRONE' },
      }),
    );
  }
}

describe('ingestTelemetry', () => {
  it('ignores a report older than the last one, without events', async () => {
    await store.putDroneIfAbsent(drone('t-old'));
    const { publisher, published } = recordingPublisher();
    await ingestTelemetry({ store, publisher }, 't-old', report('2030-01-01T10:00:10.000Z'));
    published.length = 0;
    const outcome = await ingestTelemetry(
      { store, publisher },
      't-old',
      report('2030-01-01T10:00:05.000Z', { location: near(3) }),
    );
    expect(outcome).toBe('stale');
    expect(published).toEqual([]);
    expect((await store.getDrone('t-old'))?.position).toEqual(near(0.5, 0, 120));
  });

  it('publishes a status change once and the position every time', async () => {
    await clearDrones();
    await store.putDroneIfAbsent(drone('t-status', { position: near(0) }));
    await assignDrone({ store, now: () => new Date('2030-01-01T09:00:00Z') }, 'tele-d1', assignmentRequest());
    const { publisher, published } = recordingPublisher();
    const status = { deliveryId: 'tele-d1', status: 'HeadedToPickup' as const };
    await ingestTelemetry({ store, publisher }, 't-status', report('2030-01-01T10:00:01.000Z', status));
    await ingestTelemetry({ store, publisher }, 't-status', report('2030-01-01T10:00:02.000Z', status));
    expect(published.map((e) => e.detailType)).toEqual([
      'DronePositionChanged',
      'DroneStatusChanged',
      'DronePositionChanged',
    ]);
    expect(published[1]?.data).toMatchObject({ deliveryId: 'tele-d1', status: 'HeadedToPickup' });
    expect(await store.getDrone('t-status')).toMatchObject({
      state: 'HeadedToPickup',
      deliveryId: 'tele-d1',
    });
  });

  it('publishes the events of a repeated report again without changing the drone', async () => {
    await store.putDroneIfAbsent(drone('t-replay'));
    const first = recordingPublisher();
    await ingestTelemetry(
      { store, publisher: first.publisher },
      't-replay',
      report('2030-01-01T10:00:01.000Z', { status: 'Charging' }),
    );
    const again = recordingPublisher();
    const outcome = await ingestTelemetry(
      { store, publisher: again.publisher },
      't-replay',
      report('2030-01-01T10:00:01.000Z', { status: 'Charging' }),
    );
    expect(outcome).toBe('replayed');
    expect(again.published.map((e) => e.detailType)).toEqual(['DronePositionChanged', 'DroneStatusChanged']);
  });

  it('finishes the assignment when the drone lands Idle after returning', async () => {
    await clearDrones();
    await store.putDroneIfAbsent(drone('t-home', { position: near(0) }));
    await assignDrone({ store, now: () => new Date('2030-01-01T09:00:00Z') }, 'tele-d2', assignmentRequest());
    const { publisher, published } = recordingPublisher();
    const flight = ['HeadedToPickup', 'PickedUp', 'HeadedToDropoff', 'Dropped', 'Returning', 'Idle'] as const;
    for (const [index, status] of flight.entries()) {
      await ingestTelemetry(
        { store, publisher },
        't-home',
        report(`2030-01-01T10:00:0${index}.000Z`, { deliveryId: 'tele-d2', status }),
      );
    }
    expect(await store.getAssignment('tele-d2')).toBeUndefined();
    const home = await store.getDrone('t-home');
    expect(home?.state).toBe('Idle');
    expect(home?.deliveryId).toBeUndefined();
    expect(published.filter((e) => e.detailType === 'DroneStatusChanged').map((e) => e.data.status)).toEqual([
      ...flight,
    ]);
  });

  it('moves a drone but keeps its state for a report about a delivery it no longer holds', async () => {
    await store.putDroneIfAbsent(drone('t-released'));
    const { publisher, published } = recordingPublisher();
    await ingestTelemetry(
      { store, publisher },
      't-released',
      report('2030-01-01T10:00:01.000Z', { deliveryId: 'gone', status: 'HeadedToPickup' }),
    );
    expect(await store.getDrone('t-released')).toMatchObject({ state: 'Idle', position: near(0.5, 0, 120) });
    expect(published.map((e) => e.detailType)).toEqual(['DronePositionChanged']);
  });

  it('refuses a report from an unknown drone with 404', async () => {
    const { publisher } = recordingPublisher();
    await expect(
      ingestTelemetry({ store, publisher }, 'no-such-drone', report('2030-01-01T10:00:01.000Z')),
    ).rejects.toMatchObject({ statusCode: 404 });
  });
});
