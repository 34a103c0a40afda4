import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignDrone } from '../core/assignment.ts';
import { demoFleet, seedFleet } from '../core/fleet.ts';
import { clearTable, createDroneTestTable } from '../test-support/drone-table.ts';
import { createDroneStore } from './dynamodb-store.ts';

let table: Awaited<ReturnType<typeof createDroneTestTable>>;

beforeAll(async () => {
  table = await createDroneTestTable('drone-fleet');
});

afterAll(async () => {
  await table.drop();
});

describe('seedFleet', () => {
  it('creates every demo drone on the first run', async () => {
    const store = createDroneStore(table.documentClient, table.tableName);
    const result = await seedFleet(store);
    expect(result).toEqual({ created: demoFleet().length, existing: 0 });
    expect(await store.listDrones()).toHaveLength(demoFleet().length);
  });

  it('leaves drones already there, even in flight, untouched on a second run', async () => {
    const store = createDroneStore(table.documentClient, table.tableName);
    await seedFleet(store);
    await table.documentClient.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: { pk: 'DRONE#drone-001', sk: 'DRONE' },
        UpdateExpression: 'SET #state = :state, deliveryId = :deliveryId',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':state': 'HeadedToDropoff', ':deliveryId': 'd-busy' },
      }),
    );
    const again = await seedFleet(store);
    expect(again).toEqual({ created: 0, existing: demoFleet().length });
    expect(await store.getDrone('drone-001')).toMatchObject({
      state: 'HeadedToDropoff',
      deliveryId: 'd-busy',
    });
  });

  it('books the seeded drones by cell, and a drone seeded low only once it is charged', async () => {
    await clearTable(table);
    const store = createDroneStore(table.documentClient, table.tableName);
    const seededAt = new Date('2030-01-01T08:00:00.000Z');
    await seedFleet(store, seededAt);
    const low = demoFleet().find((d) => d.batteryPercent === 15)!;
    // A pickup at the low drone's base, for now: it is the nearest, but it is still charging.
    const request = {
      pickup: low.home,
      dropoff: { ...low.home, latitude: low.home.latitude + 0.01 },
      weightKg: 1,
      pickupTime: seededAt.toISOString(),
      deadline: '2030-01-01T12:00:00.000Z',
      expedited: false,
    };

    const booked = await assignDrone({ store, now: () => seededAt }, 'fleet-d1', request);

    expect(booked.droneId).not.toBe(low.droneId);
    expect(await store.getProfile(low.droneId)).toMatchObject({ readyAt: '2030-01-01T09:25:00.000Z' });
  });
});
