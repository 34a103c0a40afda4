import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, UnprocessableError } from '../../../shared/errors.ts';
import { createTestTable } from '../../../test/support/dynamodb.ts';
import { assignmentRequest, drone, near } from '../test-support/fixtures.ts';
import { assignDrone, releaseDrone } from './assignment.ts';
import type { Drone } from './model.ts';
import { createDroneStore } from './store.ts';
import type { DroneStore } from './store-port.ts';

let table: Awaited<ReturnType<typeof createTestTable>>;
let store: DroneStore;
const now = () => new Date('2030-01-01T09:00:00.000Z');

beforeAll(async () => {
  table = await createTestTable('drone-assignment');
});

afterAll(async () => {
  await table.drop();
});

let run = 0;
/** Replaces the fleet with `drones`; returns a prefix for this test's delivery ids. */
async function fleet(...drones: Drone[]): Promise<string> {
  run++;
  for (const existing of await store.listDrones()) {
    await table.documentClient.send(
      new DeleteCommand({
        TableName: table.tableName,
        Key: { pk: `DRONE#${existing.droneId}`, sk: 'DRONE' },
      }),
    );
  }
  for (const d of drones) await store.putDroneIfAbsent(d);
  return `run${run}`;
}

beforeEach(() => {
  store = createDroneStore(table.documentClient, table.tableName);
});

describe('assignDrone', () => {
  it('claims the nearest capable drone and records the assignment', async () => {
    const prefix = await fleet(
      drone('near-1', { position: near(1.2) }),
      drone('far-1', { position: near(9) }),
    );
    const result = await assignDrone({ store, now }, `${prefix}-d1`, assignmentRequest());
    expect(result.droneId).toBe('near-1');
    expect(await store.getDrone('near-1')).toMatchObject({ state: 'Assigned', deliveryId: `${prefix}-d1` });
    expect(await store.getAssignment(`${prefix}-d1`)).toMatchObject({ droneId: 'near-1', version: 1 });
  });

  it('gives the same delivery the same drone when called twice', async () => {
    const prefix = await fleet(drone('a-1', { position: near(1) }), drone('a-2', { position: near(2) }));
    const first = await assignDrone({ store, now }, `${prefix}-d1`, assignmentRequest());
    const second = await assignDrone({ store, now }, `${prefix}-d1`, assignmentRequest());
    expect(second).toEqual(first);
    expect(await store.getDrone('a-2')).toMatchObject({ state: 'Idle' });
  });

  it('never gives one drone to two deliveries assigned at the same time', async () => {
    const prefix = await fleet(drone('c-1', { position: near(1) }), drone('c-2', { position: near(1.5) }));
    const results = await Promise.all([
      assignDrone({ store, now }, `${prefix}-d1`, assignmentRequest()),
      assignDrone({ store, now }, `${prefix}-d2`, assignmentRequest()),
    ]);
    expect(new Set(results.map((r) => r.droneId)).size).toBe(2);
  });

  it('gives one delivery assigned twice at the same time a single drone', async () => {
    const prefix = await fleet(drone('s-1', { position: near(1) }), drone('s-2', { position: near(1.5) }));
    const results = await Promise.all([
      assignDrone({ store, now }, `${prefix}-d1`, assignmentRequest()),
      assignDrone({ store, now }, `${prefix}-d1`, assignmentRequest()),
    ]);
    expect(results[0]?.droneId).toBe(results[1]?.droneId);
    const held = (await store.listDrones()).filter((d) => d.deliveryId === `${prefix}-d1`);
    expect(held).toHaveLength(1);
  });

  it('refuses with no-drone-available when no drone can fly the delivery', async () => {
    const prefix = await fleet(
      drone('weak-1', { batteryPercent: 15 }),
      drone('small-1', { payloadLimitKg: 2 }),
    );
    const attempt = assignDrone({ store, now }, `${prefix}-d1`, assignmentRequest({ weightKg: 3 }));
    await expect(attempt).rejects.toBeInstanceOf(UnprocessableError);
    await expect(attempt).rejects.toMatchObject({ type: expect.stringContaining('no-drone-available') });
    expect(await store.getAssignment(`${prefix}-d1`)).toBeUndefined();
  });

  it('updates the route and ETAs of a changed request on the same drone', async () => {
    const prefix = await fleet(drone('r-1', { position: near(1) }));
    const first = await assignDrone({ store, now }, `${prefix}-d1`, assignmentRequest());
    const later = assignmentRequest({ pickupTime: '2030-01-01T11:00:00.000Z', dropoff: near(6) });
    const second = await assignDrone({ store, now }, `${prefix}-d1`, later);
    expect(second.droneId).toBe(first.droneId);
    expect(second.pickupEta).toBe('2030-01-01T11:00:00.000Z');
    expect((await store.getDrone('r-1'))?.route?.dropoff).toEqual(near(6));
    expect((await store.getAssignment(`${prefix}-d1`))?.version).toBe(2);
  });

  it('moves the delivery to a stronger drone when the new weight is too much for its drone', async () => {
    const prefix = await fleet(
      drone('w-light', { position: near(1), payloadLimitKg: 2 }),
      drone('w-strong', { position: near(4), payloadLimitKg: 10 }),
    );
    await assignDrone({ store, now }, `${prefix}-d1`, assignmentRequest());
    const moved = await assignDrone({ store, now }, `${prefix}-d1`, assignmentRequest({ weightKg: 8 }));
    expect(moved.droneId).toBe('w-strong');
    expect(await store.getDrone('w-light')).toMatchObject({ state: 'Idle' });
    expect((await store.getDrone('w-light'))?.deliveryId).toBeUndefined();
    expect(await store.getDrone('w-strong')).toMatchObject({ state: 'Assigned', deliveryId: `${prefix}-d1` });
  });

  it('refuses to change a delivery whose drone has picked up the package', async () => {
    const prefix = await fleet(drone('f-1', { position: near(1) }));
    await assignDrone({ store, now }, `${prefix}-d1`, assignmentRequest());
    await forceState('f-1', 'HeadedToDropoff');
    const attempt = assignDrone({ store, now }, `${prefix}-d1`, assignmentRequest({ dropoff: near(7) }));
    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
  });
});

async function forceState(droneId: string, state: Drone['state']) {
  await table.documentClient.send(
    new UpdateCommand({
      TableName: table.tableName,
      Key: { pk: `DRONE#${droneId}`, sk: 'DRONE' },
      UpdateExpression: 'SET #state = :state',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':state': state },
    }),
  );
}

describe('releaseDrone', () => {
  it('frees the drone so the next delivery can have it', async () => {
    const prefix = await fleet(drone('l-1', { position: near(1) }));
    await assignDrone({ store, now }, `${prefix}-d1`, assignmentRequest());
    const released = await releaseDrone({ store }, `${prefix}-d1`);
    const next = await assignDrone({ store, now }, `${prefix}-d2`, assignmentRequest());
    expect(released).toEqual({ deliveryId: `${prefix}-d1`, released: true });
    expect(next.droneId).toBe('l-1');
    expect(await store.getAssignment(`${prefix}-d1`)).toBeUndefined();
  });

  it('answers released false for a delivery without an assignment', async () => {
    const prefix = await fleet();
    expect(await releaseDrone({ store }, `${prefix}-none`)).toEqual({
      deliveryId: `${prefix}-none`,
      released: false,
    });
  });

  it('refuses to release a drone carrying the package', async () => {
    const prefix = await fleet(drone('p-1', { position: near(1) }));
    await assignDrone({ store, now }, `${prefix}-d1`, assignmentRequest());
    await forceState('p-1', 'PickedUp');
    await expect(releaseDrone({ store }, `${prefix}-d1`)).rejects.toMatchObject({
      statusCode: 409,
      type: expect.stringContaining('drone-in-flight'),
    });
    expect(await store.getAssignment(`${prefix}-d1`)).toBeDefined();
  });
});
