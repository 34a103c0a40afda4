import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, UnprocessableError } from '../../../shared/errors.ts';
import { type AssignmentResult, assignDrone, releaseDrone } from '../core/assignment.ts';
import { bookingKey } from '../core/keys.ts';
import type { AssignmentRequest, Drone } from '../core/model.ts';
import type { DroneStore } from '../core/store.ts';
import { clearTable, createDroneTestTable } from '../test-support/drone-table.ts';
import { assignmentRequest, drone, near } from '../test-support/fixtures.ts';
import { createDroneStore } from './dynamodb-store.ts';

// Booking drones in time against DynamoDB Local: the transactions, their conditions and the races
// they settle.

let table: Awaited<ReturnType<typeof createDroneTestTable>>;
let store: DroneStore;
const NOW = Date.parse('2030-01-01T08:00:00.000Z');
const HOUR = 3_600_000;
const now = () => new Date(NOW);
const at = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  table = await createDroneTestTable('drone-assignment');
  store = createDroneStore(table.documentClient, table.tableName);
});

afterAll(async () => {
  await table.drop();
});

beforeEach(async () => {
  await clearTable(table);
});

async function fleet(...drones: Drone[]) {
  for (const d of drones) await store.putDroneIfAbsent(d);
}

function deliveryAt(startMs: number, overrides: Partial<AssignmentRequest> = {}): AssignmentRequest {
  const pickupTime = NOW + startMs;
  return assignmentRequest({
    pickup: near(1),
    dropoff: near(3),
    pickupTime: at(pickupTime),
    deadline: at(pickupTime + 2 * HOUR),
    ...overrides,
  });
}

async function bookingOf(result: AssignmentResult) {
  const { Item } = await table.documentClient.send(
    new GetCommand({ TableName: table.tableName, Key: bookingKey(result), ConsistentRead: true }),
  );
  return Item;
}

/** Every booking of a drone, in departure order. */
async function scheduleOf(droneId: string) {
  return store.listBookings(droneId, '0000', '9999');
}

function overlapping(windows: Array<{ departAt: string; freeAt: string }>): boolean {
  return windows.some((a, i) =>
    windows.some((b, j) => i < j && a.departAt < b.freeAt && b.departAt < a.freeAt),
  );
}

describe('assignDrone', () => {
  it('books 30 deliveries for tomorrow an hour apart on 10 drones', async () => {
    await fleet(...Array.from({ length: 10 }, (_, i) => drone(`h-${i}`, { position: near(0.3 * i, 0.2) })));

    const results: AssignmentResult[] = [];
    for (let n = 0; n < 30; n++) {
      results.push(await assignDrone({ store, now }, `tomorrow-${n}`, deliveryAt(24 * HOUR + n * HOUR)));
    }

    expect(results).toHaveLength(30);
    expect(results.every((result) => result.droneId.startsWith('h-'))).toBe(true);
    expect(results.map((result) => result.pickupEta)).toEqual(
      results.map((_, n) => at(NOW + 24 * HOUR + n * HOUR)),
    );
    for (const droneId of new Set(results.map((result) => result.droneId))) {
      expect(overlapping(await scheduleOf(droneId))).toBe(false);
    }
  });

  it('writes the booking in the drone partition, listed as a due departure, and the assignment', async () => {
    await fleet(drone('w-1', { position: near(0.8) }));

    const result = await assignDrone({ store, now }, 'd-write', deliveryAt(HOUR));

    expect(await bookingOf(result)).toMatchObject({
      droneId: 'w-1',
      deliveryId: 'd-write',
      departAt: result.departAt,
      freeAt: result.freeAt,
      dispatchSk: result.departAt,
      dispatchPk: expect.stringMatching(/^FLIGHT#\d$/),
      expiresAt: expect.any(Number),
    });
    expect(await store.getAssignment('d-write')).toMatchObject({ ...result, version: 1 });
    expect(await store.getProfile('w-1')).toMatchObject({ version: 1 });
  });

  it('gives the same delivery the same booking when asked twice', async () => {
    await fleet(drone('a-1', { position: near(1) }), drone('a-2', { position: near(2) }));

    const first = await assignDrone({ store, now }, 'd-twice', deliveryAt(HOUR));
    const second = await assignDrone({ store, now }, 'd-twice', deliveryAt(HOUR));

    expect(second).toEqual(first);
    expect(await scheduleOf('a-1')).toHaveLength(1);
  });

  it('never books two overlapping windows on one drone, whatever runs at the same time', async () => {
    await fleet(drone('c-1', { position: near(1) }), drone('c-2', { position: near(1.5) }));

    const settled = await Promise.allSettled(
      Array.from({ length: 6 }, (_, n) => assignDrone({ store, now }, `d-race-${n}`, deliveryAt(HOUR))),
    );

    const booked = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    // Every request is booked, or refused as a lost race the caller retries (503); none is lost.
    for (const outcome of settled) {
      if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ statusCode: 503 });
    }
    expect(booked.length).toBeGreaterThanOrEqual(2);
    expect(overlapping(await scheduleOf('c-1'))).toBe(false);
    expect(overlapping(await scheduleOf('c-2'))).toBe(false);
    expect((await scheduleOf('c-1')).length + (await scheduleOf('c-2')).length).toBe(booked.length);
  });

  it('gives one delivery booked twice at the same time a single booking', async () => {
    await fleet(drone('s-1', { position: near(1) }), drone('s-2', { position: near(1.5) }));

    const results = await Promise.all([
      assignDrone({ store, now }, 'd-same', deliveryAt(HOUR)),
      assignDrone({ store, now }, 'd-same', deliveryAt(HOUR)),
    ]);

    expect(results[1]).toEqual(results[0]);
    expect((await scheduleOf('s-1')).length + (await scheduleOf('s-2')).length).toBe(1);
  });

  it('refuses with no-drone-available, saying until when waiting may help', async () => {
    await fleet(drone('only', { position: near(0.8) }));
    const tight = (n: number) => deliveryAt(HOUR, { deadline: at(NOW + HOUR + 4 * 60_000 + n) });
    const first = await assignDrone({ store, now }, 'd-first', tight(0));

    const attempt = assignDrone({ store, now }, 'd-refused', tight(1));

    await expect(attempt).rejects.toBeInstanceOf(UnprocessableError);
    await expect(attempt).rejects.toMatchObject({
      type: expect.stringMatching(/no-drone-available$/),
      extensions: { retryAt: first.freeAt, latestDeparture: expect.any(String) },
    });
    expect(await store.getAssignment('d-refused')).toBeUndefined();
  });

  it('re-books a changed request and deletes the old window in the same write', async () => {
    await fleet(drone('r-1', { position: near(1) }));
    const first = await assignDrone({ store, now }, 'd-moved', deliveryAt(HOUR));

    const second = await assignDrone({ store, now }, 'd-moved', deliveryAt(3 * HOUR, { dropoff: near(6) }));

    expect(second.pickupEta).toBe(at(NOW + 3 * HOUR));
    expect(await bookingOf(first)).toBeUndefined();
    expect((await scheduleOf('r-1')).map((booking) => booking.departAt)).toEqual([second.departAt]);
    expect(await store.getAssignment('d-moved')).toMatchObject({ version: 2 });
  });

  it('keeps the old booking when the changed request cannot be served', async () => {
    await fleet(drone('k-1', { position: near(1), payloadLimitKg: 2 }));
    const first = await assignDrone({ store, now }, 'd-kept', deliveryAt(HOUR));

    await expect(
      assignDrone({ store, now }, 'd-kept', deliveryAt(HOUR, { weightKg: 4 })),
    ).rejects.toBeInstanceOf(UnprocessableError);

    expect(await bookingOf(first)).toBeDefined();
    expect(await store.getAssignment('d-kept')).toMatchObject({ version: 1, departAt: first.departAt });
  });

  it('refuses to change a delivery whose drone has picked up the package', async () => {
    await fleet(drone('f-1', { position: near(1) }));
    await assignDrone({ store, now }, 'd-flying', deliveryAt(0));
    await holdDelivery('f-1', 'd-flying', 'HeadedToDropoff');

    const attempt = assignDrone({ store, now }, 'd-flying', deliveryAt(0, { dropoff: near(7) }));

    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
  });
});

/** Makes a drone hold a delivery in a state, as its take-off and reports would have. */
async function holdDelivery(droneId: string, deliveryId: string, state: Drone['state']) {
  await table.documentClient.send(
    new UpdateCommand({
      TableName: table.tableName,
      Key: { pk: `DRONE#${droneId}`, sk: 'DRONE' },
      UpdateExpression: 'SET #state = :state, deliveryId = :deliveryId',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':state': state, ':deliveryId': deliveryId },
    }),
  );
}

describe('releaseDrone', () => {
  it('gives the window back so the next delivery at that time can have the drone', async () => {
    await fleet(drone('l-1', { position: near(1) }));
    const first = await assignDrone({ store, now }, 'd-released', deliveryAt(HOUR));

    const released = await releaseDrone({ store }, 'd-released');
    const next = await assignDrone({ store, now }, 'd-next', deliveryAt(HOUR));

    expect(released).toEqual({ deliveryId: 'd-released', released: true });
    expect(next).toMatchObject({ droneId: 'l-1', departAt: first.departAt });
    expect(await store.getAssignment('d-released')).toBeUndefined();
    expect(await bookingOf(first)).toBeUndefined();
  });

  it('answers released false for a delivery without a booking', async () => {
    expect(await releaseDrone({ store }, 'd-none')).toEqual({ deliveryId: 'd-none', released: false });
  });

  it('turns back a drone on its way to the pickup, and keeps its window blocked', async () => {
    await fleet(drone('b-1', { position: near(1) }));
    const first = await assignDrone({ store, now }, 'd-back', deliveryAt(0));
    await holdDelivery('b-1', 'd-back', 'HeadedToPickup');

    await releaseDrone({ store }, 'd-back');

    const turned = await store.getDrone('b-1');
    expect(turned?.state).toBe('Returning');
    expect(turned?.deliveryId).toBeUndefined();
    expect(await store.getProfile('b-1')).toMatchObject({ readyAt: first.freeAt });
    const next = await assignDrone({ store, now }, 'd-after', deliveryAt(0));
    expect(next.departAt).toBe(first.freeAt);
  });

  it('refuses to release a drone carrying the package', async () => {
    await fleet(drone('p-1', { position: near(1) }));
    await assignDrone({ store, now }, 'd-aboard', deliveryAt(0));
    await holdDelivery('p-1', 'd-aboard', 'PickedUp');

    await expect(releaseDrone({ store }, 'd-aboard')).rejects.toMatchObject({
      statusCode: 409,
      type: expect.stringContaining('drone-in-flight'),
    });
    expect(await store.getAssignment('d-aboard')).toBeDefined();
  });
});
