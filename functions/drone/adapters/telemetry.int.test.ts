import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPublisher, OutgoingEvent } from '../../../shared/publisher.ts';
import { assignDrone, releaseDrone } from '../core/assignment.ts';
import { bookingKey, droneKey } from '../core/keys.ts';
import type { DroneStore } from '../core/store.ts';
import { ingestTelemetry, type Telemetry } from '../core/telemetry.ts';
import { clearTable, createDroneTestTable } from '../test-support/drone-table.ts';
import { assignmentRequest, drone, near } from '../test-support/fixtures.ts';
import { createDroneStore } from './dynamodb-store.ts';

let table: Awaited<ReturnType<typeof createDroneTestTable>>;
let store: DroneStore;

beforeAll(async () => {
  table = await createDroneTestTable('drone-telemetry');
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

const deps = (publisher: EventPublisher) => ({
  store,
  publisher,
  now: () => new Date('2030-01-01T10:00:30.000Z'),
  correlationId: 'corr-telemetry',
});

function report(recordedAt: string, overrides: Partial<Telemetry> = {}): Telemetry {
  return { location: near(0.5, 0, 120), batteryPercent: 90, speedMps: 20, recordedAt, ...overrides };
}

const clearDrones = () => clearTable(table);

async function rawItem(key: { pk: string; sk: string }) {
  const { Item } = await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: key }));
  return Item;
}

describe('ingestTelemetry', () => {
  it('ignores a report older than the last one, without events', async () => {
    await store.putDroneIfAbsent(drone('t-old'));
    const { publisher, published } = recordingPublisher();
    await ingestTelemetry(deps(publisher), 't-old', report('2030-01-01T10:00:10.000Z'));
    published.length = 0;
    const outcome = await ingestTelemetry(
      deps(publisher),
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
    await ingestTelemetry(deps(publisher), 't-status', report('2030-01-01T10:00:01.000Z', status));
    await ingestTelemetry(deps(publisher), 't-status', report('2030-01-01T10:00:02.000Z', status));
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

  it('publishes the events of a repeated report again, under the same eventIds, without changing the drone', async () => {
    await store.putDroneIfAbsent(drone('t-replay'));
    const first = recordingPublisher();
    await ingestTelemetry(
      deps(first.publisher),
      't-replay',
      report('2030-01-01T10:00:01.000Z', { status: 'Charging' }),
    );
    const again = recordingPublisher();
    const outcome = await ingestTelemetry(
      deps(again.publisher),
      't-replay',
      report('2030-01-01T10:00:01.000Z', { status: 'Charging' }),
    );
    expect(outcome).toBe('replayed');
    expect(again.published.map((e) => e.detailType)).toEqual(['DronePositionChanged', 'DroneStatusChanged']);
    expect(again.published.map((e) => e.eventId)).toEqual(first.published.map((e) => e.eventId));
  });

  it('finishes the assignment when the drone lands Idle after returning', async () => {
    await clearDrones();
    await store.putDroneIfAbsent(drone('t-home', { position: near(0) }));
    await assignDrone({ store, now: () => new Date('2030-01-01T09:00:00Z') }, 'tele-d2', assignmentRequest());
    const { publisher, published } = recordingPublisher();
    const flight = ['HeadedToPickup', 'PickedUp', 'HeadedToDropoff', 'Dropped', 'Returning', 'Idle'] as const;
    for (const [index, status] of flight.entries()) {
      await ingestTelemetry(
        deps(publisher),
        't-home',
        report(`2030-01-01T10:00:0${index}.000Z`, { deliveryId: 'tele-d2', status }),
      );
    }
    // Kept as the record of the flight that served it, so a late retry is not booked again.
    expect(await store.getAssignment('tele-d2')).toMatchObject({
      droneId: 't-home',
      finishedAt: '2030-01-01T10:00:05.000Z',
      expiresAt: Date.parse('2030-01-01T10:00:05.000Z') / 1000 + 14 * 24 * 3600,
    });
    const late = { store, now: () => new Date('2030-01-01T11:00:00Z') };
    expect(await assignDrone(late, 'tele-d2', assignmentRequest())).toMatchObject({ droneId: 't-home' });
    await expect(
      assignDrone(late, 'tele-d2', { ...assignmentRequest(), weightKg: 1.5 }),
    ).rejects.toMatchObject({ statusCode: 409 });
    expect(await releaseDrone(late, 'tele-d2')).toEqual({ deliveryId: 'tele-d2', released: false });
    const home = await store.getDrone('t-home');
    expect(home?.state).toBe('Idle');
    expect(home?.deliveryId).toBeUndefined();
    expect(await rawItem(droneKey('t-home'))).not.toHaveProperty('dispatchPk');
    expect(published.filter((e) => e.detailType === 'DroneStatusChanged').map((e) => e.data.status)).toEqual([
      ...flight,
    ]);
  });

  it('takes off for its booking: the drone takes the delivery and the booking leaves the due departures', async () => {
    await clearDrones();
    await store.putDroneIfAbsent(drone('t-off', { position: near(0) }));
    const booked = await assignDrone(
      { store, now: () => new Date('2030-01-01T09:00:00Z') },
      'tele-d3',
      assignmentRequest(),
    );
    const { publisher, published } = recordingPublisher();

    await ingestTelemetry(
      deps(publisher),
      't-off',
      report('2030-01-01T10:00:01.000Z', { deliveryId: 'tele-d3', status: 'HeadedToPickup' }),
    );

    expect(await store.getDrone('t-off')).toMatchObject({
      state: 'HeadedToPickup',
      deliveryId: 'tele-d3',
      route: { pickup: assignmentRequest().pickup, dropoff: assignmentRequest().dropoff, home: near(0) },
    });
    const booking = await rawItem(bookingKey(booked));
    expect(booking).toMatchObject({ tookOffAt: '2030-01-01T10:00:01.000Z' });
    expect(booking).not.toHaveProperty('dispatchPk');
    expect(await rawItem(droneKey('t-off'))).toHaveProperty('dispatchPk');
    expect(published.map((e) => e.data.deliveryId)).toEqual(['tele-d3', 'tele-d3']);
  });

  it('does not take off for a booking released just before', async () => {
    await clearDrones();
    await store.putDroneIfAbsent(drone('t-gone', { position: near(0) }));
    await assignDrone({ store, now: () => new Date('2030-01-01T09:00:00Z') }, 'tele-d4', assignmentRequest());
    await releaseDrone({ store }, 'tele-d4');
    const { publisher } = recordingPublisher();

    await ingestTelemetry(
      deps(publisher),
      't-gone',
      report('2030-01-01T10:00:01.000Z', { deliveryId: 'tele-d4', status: 'HeadedToPickup' }),
    );

    const stored = await store.getDrone('t-gone');
    expect(stored?.state).toBe('Idle');
    expect(stored?.deliveryId).toBeUndefined();
  });

  it('moves a drone but keeps its state for a report about a delivery it no longer holds', async () => {
    await store.putDroneIfAbsent(drone('t-released'));
    const { publisher, published } = recordingPublisher();
    await ingestTelemetry(
      deps(publisher),
      't-released',
      report('2030-01-01T10:00:01.000Z', { deliveryId: 'gone', status: 'HeadedToPickup' }),
    );
    expect(await store.getDrone('t-released')).toMatchObject({ state: 'Idle', position: near(0.5, 0, 120) });
    expect(published.map((e) => e.detailType)).toEqual(['DronePositionChanged']);
  });

  it('refuses a report from an unknown drone with 404', async () => {
    const { publisher } = recordingPublisher();
    await expect(
      ingestTelemetry(deps(publisher), 'no-such-drone', report('2030-01-01T10:00:01.000Z')),
    ).rejects.toMatchObject({ statusCode: 404 });
  });
});
