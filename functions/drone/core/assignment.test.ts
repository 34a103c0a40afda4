import { describe, expect, it } from 'vitest';
import { UnprocessableError } from '../../../shared/errors.ts';
import { assignmentRequest, drone, near } from '../test-support/fixtures.ts';
import { createMemoryDroneStore } from '../test-support/memory-store.ts';
import { assignDrone, MAX_CANDIDATES_READ, releaseDrone, SEARCH_RADIUS_M } from './assignment.ts';
import { cellsAround } from './cells.ts';
import type { AssignmentRequest, Booking, Drone } from './model.ts';
import { flightFor } from './selection.ts';

// Booking drones in time, on the in-memory table: who gets which window, what is refused and why.

const NOW = new Date('2030-01-01T08:00:00.000Z');
const HOUR = 3_600_000;
const at = (ms: number) => new Date(ms).toISOString();

function setup(...drones: Drone[]) {
  const memory = createMemoryDroneStore(drones);
  let clock = NOW.getTime();
  const deps = (timeScale = 1) => ({ store: memory.store, now: () => new Date(clock), timeScale });
  return {
    ...memory,
    deps,
    advance(ms: number) {
      clock += ms;
    },
    schedule(droneId: string): Booking[] {
      return [...(memory.bookings.get(droneId)?.values() ?? [])].sort((a, b) =>
        a.departAt.localeCompare(b.departAt),
      );
    },
  };
}

/** A delivery whose pickup is `startMs` from now, from 1 km north to 3 km north, deadline two hours later. */
function deliveryAt(startMs: number, overrides: Partial<AssignmentRequest> = {}): AssignmentRequest {
  const pickupTime = NOW.getTime() + startMs;
  return assignmentRequest({
    pickup: near(1),
    dropoff: near(3),
    pickupTime: at(pickupTime),
    deadline: at(pickupTime + 2 * HOUR),
    ...overrides,
  });
}

function overlaps(bookings: Booking[]): boolean {
  return bookings.some((a, i) =>
    bookings.some((b, j) => i < j && a.departAt < b.freeAt && b.departAt < a.freeAt),
  );
}

describe('assignDrone: drones are booked in time', () => {
  it('books all 30 deliveries for tomorrow an hour apart on 10 drones, sharing them', async () => {
    const fleet = Array.from({ length: 10 }, (_, i) => drone(`drone-${i}`, { position: near(0.3 * i, 0.2) }));
    const { deps, schedule } = setup(...fleet);

    const results = [];
    for (let n = 0; n < 30; n++) {
      results.push(await assignDrone(deps(), `d-${n}`, deliveryAt(24 * HOUR + n * HOUR)));
    }

    expect(results.every((result) => result.droneId.startsWith('drone-'))).toBe(true);
    expect(results.map((result) => result.pickupEta)).toEqual(
      results.map((_, n) => at(NOW.getTime() + 24 * HOUR + n * HOUR)),
    );
    // Windows are shorter than an hour: the nearest drone flies them all, one after the other.
    expect(new Set(results.map((result) => result.droneId))).toEqual(new Set(['drone-3']));
    expect(overlaps(schedule('drone-3'))).toBe(false);
  });

  it('books 30 deliveries three minutes apart on several drones, never two overlapping windows on one', async () => {
    const fleet = Array.from({ length: 10 }, (_, i) => drone(`drone-${i}`, { position: near(0.3 * i, 0.2) }));
    const { deps, schedule } = setup(...fleet);

    const results = [];
    for (let n = 0; n < 30; n++) {
      results.push(await assignDrone(deps(), `d-${n}`, deliveryAt(24 * HOUR + n * 180_000)));
    }

    const used = new Set(results.map((result) => result.droneId));
    expect(used.size).toBeGreaterThan(1);
    expect(used.size).toBeLessThan(10);
    for (const droneId of used) expect(overlaps(schedule(droneId))).toBe(false);
    expect(
      results.every((result, n) => result.pickupEta === at(NOW.getTime() + 24 * HOUR + n * 180_000)),
    ).toBe(true);
  });

  it('answers the window: departure so as to pick up at the asked time, back and recharged at freeAt', async () => {
    const { deps } = setup(drone('drone-1', { position: near(0) }));
    const request = deliveryAt(HOUR);
    const flight = flightFor(
      { droneId: 'drone-1', home: near(0), speedMps: 20, payloadLimitKg: 5, version: 0 },
      request,
    )!;

    const result = await assignDrone(deps(), 'd-1', request);

    const pickup = NOW.getTime() + HOUR;
    expect(result).toEqual({
      deliveryId: 'd-1',
      droneId: 'drone-1',
      departAt: at(pickup - flight.toPickupMs),
      pickupEta: at(pickup),
      deliveryEta: at(pickup + flight.legMs),
      freeAt: at(pickup + flight.legMs + flight.backMs + flight.rechargeMs),
    });
    // 4 km out and back at 1 % a km, charged back at 1 % a minute.
    expect(flight.rechargeMs).toBeGreaterThan(5 * 60_000);
  });

  it('leaves at once for a delivery whose pickup time has come', async () => {
    const { deps } = setup(drone('drone-1', { position: near(0) }));

    const result = await assignDrone(deps(), 'd-1', deliveryAt(-60_000));

    expect(result.departAt).toBe(NOW.toISOString());
  });

  it('gives a delivery at the same time as another the next nearest drone', async () => {
    const { deps } = setup(drone('near', { position: near(0.8) }), drone('next', { position: near(-1) }));

    const first = await assignDrone(deps(), 'd-1', deliveryAt(HOUR));
    const second = await assignDrone(deps(), 'd-2', deliveryAt(HOUR));

    expect([first.droneId, second.droneId]).toEqual(['near', 'next']);
    expect(second.pickupEta).toBe(at(NOW.getTime() + HOUR));
  });

  it('books the earliest later window that meets the deadline when every drone is taken at the asked time', async () => {
    const { deps } = setup(drone('only', { position: near(0.8) }));
    const first = await assignDrone(deps(), 'd-1', deliveryAt(HOUR));

    const second = await assignDrone(deps(), 'd-2', deliveryAt(HOUR));

    expect(second.droneId).toBe('only');
    expect(second.departAt).toBe(first.freeAt);
    expect(Date.parse(second.deliveryEta)).toBeLessThanOrEqual(Date.parse(deliveryAt(HOUR).deadline));
  });

  it('refuses with no-drone-available, retryAt and latestDeparture when no window meets the deadline', async () => {
    const { deps } = setup(drone('only', { position: near(0.8) }));
    const tight = (n: number) => deliveryAt(HOUR, { deadline: at(NOW.getTime() + HOUR + 4 * 60_000 + n) });
    const first = await assignDrone(deps(), 'd-1', tight(0));

    const refusal = await assignDrone(deps(), 'd-2', tight(1)).catch((error: unknown) => error);

    expect(refusal).toBeInstanceOf(UnprocessableError);
    const problem = refusal as UnprocessableError;
    expect(problem.type).toMatch(/no-drone-available$/);
    expect(problem.extensions).toEqual({
      retryAt: first.freeAt,
      latestDeparture: expect.any(String),
    });
    expect(Date.parse(String(problem.extensions?.latestDeparture))).toBeLessThan(Date.parse(first.freeAt));
  });

  it('refuses without retryAt or latestDeparture when no drone near can carry the package', async () => {
    const { deps } = setup(drone('small', { payloadLimitKg: 2 }));

    const refusal = await assignDrone(deps(), 'd-1', deliveryAt(HOUR, { weightKg: 3 })).catch(
      (error: unknown) => error,
    );

    expect(refusal).toMatchObject({ statusCode: 422, extensions: {} });
  });

  it('refuses without latestDeparture when the deadline cannot be met even leaving at once', async () => {
    const { deps } = setup(drone('slow', { speedMps: 1 }));

    const refusal = await assignDrone(
      deps(),
      'd-1',
      deliveryAt(0, { deadline: at(NOW.getTime() + 60_000) }),
    ).catch((error: unknown) => error);

    expect(refusal).toMatchObject({ statusCode: 422, extensions: {} });
  });

  it('does not book a drone before it is charged', async () => {
    const { deps, store } = setup();
    const readyAt = at(NOW.getTime() + 2 * HOUR);
    await store.putDroneIfAbsent(drone('charging', { position: near(0.8) }), readyAt);

    const result = await assignDrone(deps(), 'd-1', deliveryAt(HOUR));

    expect(result.departAt).toBe(readyAt);
  });

  it('sizes the window to the flight the dev stages really fly', async () => {
    const { deps } = setup(drone('fast', { position: near(0.8) }));

    const nominal = await assignDrone(deps(1), 'd-1', deliveryAt(0));
    const scaled = await assignDrone(deps(60), 'd-2', deliveryAt(0));

    const length = (result: { departAt: string; freeAt: string }) =>
      Date.parse(result.freeAt) - Date.parse(result.departAt);
    expect(length(scaled)).toBeCloseTo(length(nominal) / 60, -2);
  });
});

describe('assignDrone: the same and a changed request', () => {
  it('answers the same booking to the same request, without writing', async () => {
    const { deps, profiles } = setup(drone('drone-1', { position: near(0.8) }));
    const first = await assignDrone(deps(), 'd-1', deliveryAt(HOUR));
    const version = profiles.get('drone-1')?.version;

    const second = await assignDrone(deps(), 'd-1', deliveryAt(HOUR));

    expect(second).toEqual(first);
    expect(profiles.get('drone-1')?.version).toBe(version);
  });

  it('re-books a changed request and gives up the old window', async () => {
    const { deps, schedule, assignments } = setup(drone('drone-1', { position: near(0.8) }));
    await assignDrone(deps(), 'd-1', deliveryAt(HOUR));

    const moved = await assignDrone(deps(), 'd-1', deliveryAt(5 * HOUR));

    expect(moved.pickupEta).toBe(at(NOW.getTime() + 5 * HOUR));
    expect(schedule('drone-1').map((booking) => booking.departAt)).toEqual([moved.departAt]);
    expect(assignments.get('d-1')).toMatchObject({ version: 2, departAt: moved.departAt });
  });

  it('keeps the old booking when the changed request is refused', async () => {
    const { deps, schedule, assignments } = setup(drone('small', { position: near(0.8), payloadLimitKg: 2 }));
    const first = await assignDrone(deps(), 'd-1', deliveryAt(HOUR));

    await expect(assignDrone(deps(), 'd-1', deliveryAt(HOUR, { weightKg: 4 }))).rejects.toMatchObject({
      statusCode: 422,
    });

    expect(schedule('small').map((booking) => booking.departAt)).toEqual([first.departAt]);
    expect(assignments.get('d-1')).toMatchObject({ version: 1, departAt: first.departAt });
  });

  it('moves the delivery to a stronger drone when the new weight is too much for its drone', async () => {
    const { deps, schedule } = setup(
      drone('light', { position: near(0.8), payloadLimitKg: 2 }),
      drone('strong', { position: near(-2), payloadLimitKg: 10 }),
    );
    await assignDrone(deps(), 'd-1', deliveryAt(HOUR));

    const moved = await assignDrone(deps(), 'd-1', deliveryAt(HOUR, { weightKg: 8 }));

    expect(moved.droneId).toBe('strong');
    expect(schedule('light')).toEqual([]);
    expect(schedule('strong')).toHaveLength(1);
  });

  it('turns back a drone on its way to the pickup, and books the new plan around its old window', async () => {
    const { deps, drones, profiles, schedule } = setup(drone('only', { position: near(0.8) }));
    const first = await assignDrone(deps(), 'd-1', deliveryAt(0));
    drones.set('only', { ...drones.get('only')!, state: 'HeadedToPickup', deliveryId: 'd-1' });

    const moved = await assignDrone(deps(), 'd-1', deliveryAt(0, { dropoff: near(2) }));

    expect(drones.get('only')).toMatchObject({ state: 'Returning' });
    expect(drones.get('only')?.deliveryId).toBeUndefined();
    expect(profiles.get('only')?.readyAt).toBe(first.freeAt);
    expect(moved.departAt).toBe(first.freeAt);
    expect(schedule('only').map((booking) => booking.deliveryId)).toEqual(['d-1']);
  });

  it('refuses with 409 drone-in-flight once the package is aboard', async () => {
    const { deps, drones } = setup(drone('only', { position: near(0.8) }));
    await assignDrone(deps(), 'd-1', deliveryAt(0));
    drones.set('only', { ...drones.get('only')!, state: 'HeadedToDropoff', deliveryId: 'd-1' });

    await expect(assignDrone(deps(), 'd-1', deliveryAt(0, { dropoff: near(2) }))).rejects.toMatchObject({
      statusCode: 409,
      type: expect.stringMatching(/drone-in-flight$/),
    });
  });
});

describe('assignDrone: what it reads', () => {
  it('reads only cells around the pickup, nearest first, and stops at the first free drone near enough', async () => {
    const far = Array.from({ length: 20 }, (_, i) => drone(`far-${i}`, { position: near(200 + i) }));
    const { deps, reads } = setup(drone('near', { position: near(1.2) }), ...far);

    await assignDrone(deps(), 'd-1', deliveryAt(HOUR));

    const around = cellsAround(near(1), SEARCH_RADIUS_M).map((cell) => cell.key);
    expect(reads.cells.every((key) => around.includes(key))).toBe(true);
    expect(reads.cells).toEqual(around.slice(0, reads.cells.length));
    expect(reads.cells.length).toBeLessThan(around.length);
    expect(reads.schedules).toEqual(['near']);
  });

  it('reads at most a bounded number of schedules, even when a drone further away is free', async () => {
    const fleet = Array.from({ length: MAX_CANDIDATES_READ + 4 }, (_, i) =>
      drone(`drone-${i}`, { position: near(0.05 * i) }),
    );
    const { deps, reads } = setup(...fleet);
    const tight = (n: number) => deliveryAt(HOUR, { deadline: at(NOW.getTime() + HOUR + 4 * 60_000 + n) });
    for (let n = 0; n < MAX_CANDIDATES_READ; n++) await assignDrone(deps(), `busy-${n}`, tight(n));
    reads.schedules.length = 0;

    await expect(assignDrone(deps(), 'd-late', tight(99))).rejects.toMatchObject({ statusCode: 422 });

    expect(reads.schedules.length).toBe(MAX_CANDIDATES_READ);
  });
});

describe('assignDrone: how it reads a busy fleet', () => {
  it('after a lost race reads again only the drone that changed, not the cells or the other schedules', async () => {
    const { deps, reads } = setup(
      drone('busy', { position: near(1.1) }),
      drone('first', { position: near(1.2) }),
      drone('second', { position: near(1.4) }),
    );
    const base = deps();
    await assignDrone(base, 'earlier', deliveryAt(HOUR));
    let raced = false;
    // Another assignment books the same drone between this one's reads and its write.
    const store = {
      ...base.store,
      async book(change: Parameters<typeof base.store.book>[0]) {
        if (!raced) {
          raced = true;
          await assignDrone(base, 'other', deliveryAt(HOUR));
          reads.cells.length = 0;
          reads.schedules.length = 0;
        }
        return base.store.book(change);
      },
    };

    const result = await assignDrone({ ...base, store }, 'mine', deliveryAt(HOUR));

    expect(result.droneId).toBe('second');
    expect(reads.cells).toEqual([]);
    expect(reads.schedules).toContain('first');
    // Its schedule was read in the lost round and its profile did not change since.
    expect(reads.schedules).not.toContain('busy');
  });

  it('reads the cells after the nearest several at once, and finds the same drone', async () => {
    const { deps } = setup(drone('far', { position: near(9) }));
    const base = deps();
    let pending = 0;
    let most = 0;
    const store = {
      ...base.store,
      async listProfilesInCell(cellKey: string) {
        pending++;
        most = Math.max(most, pending);
        await new Promise((resolve) => setTimeout(resolve, 1));
        pending--;
        return base.store.listProfilesInCell(cellKey);
      },
    };

    const result = await assignDrone({ ...base, store }, 'd-1', deliveryAt(HOUR));

    expect(result.droneId).toBe('far');
    expect(most).toBeGreaterThan(1);
  });
});

describe('releaseDrone', () => {
  it('gives the window back, so the next delivery at that time gets the drone', async () => {
    const { deps, store, schedule } = setup(drone('only', { position: near(0.8) }));
    await assignDrone(deps(), 'd-1', deliveryAt(HOUR));

    const released = await releaseDrone({ store }, 'd-1');
    const next = await assignDrone(deps(), 'd-2', deliveryAt(HOUR));

    expect(released).toEqual({ deliveryId: 'd-1', released: true });
    expect(next.pickupEta).toBe(at(NOW.getTime() + HOUR));
    expect(schedule('only').map((booking) => booking.deliveryId)).toEqual(['d-2']);
  });

  it('answers released false when there is nothing to release', async () => {
    const { store } = setup();

    expect(await releaseDrone({ store }, 'd-none')).toEqual({ deliveryId: 'd-none', released: false });
  });

  it('turns back a drone on its way to the pickup and keeps it unbooked until its window ends', async () => {
    const { deps, store, drones, profiles } = setup(drone('only', { position: near(0.8) }));
    const first = await assignDrone(deps(), 'd-1', deliveryAt(0));
    drones.set('only', { ...drones.get('only')!, state: 'HeadedToPickup', deliveryId: 'd-1' });

    await releaseDrone({ store }, 'd-1');
    const next = await assignDrone(deps(), 'd-2', deliveryAt(0));

    expect(drones.get('only')).toMatchObject({ state: 'Returning' });
    expect(profiles.get('only')?.readyAt).toBe(first.freeAt);
    expect(next.departAt).toBe(first.freeAt);
  });

  it('refuses with 409 once the package is aboard and keeps the booking', async () => {
    const { deps, store, drones, schedule } = setup(drone('only', { position: near(0.8) }));
    await assignDrone(deps(), 'd-1', deliveryAt(0));
    drones.set('only', { ...drones.get('only')!, state: 'PickedUp', deliveryId: 'd-1' });

    await expect(releaseDrone({ store }, 'd-1')).rejects.toMatchObject({ statusCode: 409 });
    expect(schedule('only')).toHaveLength(1);
  });
});
