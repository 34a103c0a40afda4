import { describe, expect, it, vi } from 'vitest';
import { assignmentRequest, drone, near } from '../test-support/fixtures.ts';
import { createMemoryDroneStore } from '../test-support/memory-store.ts';
import { recordingPublisher } from '../test-support/publisher.ts';
import { assignDrone } from './assignment.ts';
import type { Drone } from './model.ts';
import { type FlightWork, listFlightWork, runSimulator, type SimulatorDeps } from './simulator.ts';
import { ingestTelemetry } from './telemetry.ts';

const route = { pickup: near(1), dropoff: near(3), home: near(0) };
const flying = drone('drone-1', { state: 'HeadedToPickup', deliveryId: 'd-1', route });
const T0 = Date.parse('2030-01-01T10:00:00.000Z');

/** Deps whose clock and remaining time advance only when the simulator sleeps. */
function fakeDeps(
  work: FlightWork | ((now: Date) => Promise<FlightWork>),
  budgetMs: number,
  send: SimulatorDeps['sendTelemetry'] = async () => {},
) {
  let elapsed = 0;
  const deps: SimulatorDeps = {
    listWork: vi.fn(typeof work === 'function' ? work : async () => work),
    sendTelemetry: vi.fn(send),
    now: () => new Date(T0 + elapsed),
    sleep: vi.fn(async (ms: number) => {
      elapsed += ms;
    }),
    remainingMs: () => budgetMs - elapsed,
  };
  return deps;
}

const only = (flyingDrones: Drone[]): FlightWork => ({ flying: flyingDrones, departures: [] });

describe('runSimulator', () => {
  it('ticks until only the margin would be left', async () => {
    const deps = fakeDeps(only([flying]), 10_000);
    const run = await runSimulator(deps, { tickMs: 1000, speedFactor: 60, marginMs: 5000 });
    expect(run.ticks).toBe(5);
    expect(deps.sleep).toHaveBeenCalledTimes(4);
  });

  it('posts one report per flying drone per tick, stamped with the tick time', async () => {
    const deps = fakeDeps(
      only([flying, drone('drone-2', { state: 'HeadedToDropoff', deliveryId: 'd-2', route })]),
      7000,
    );
    const run = await runSimulator(deps, { tickMs: 1000, speedFactor: 10, marginMs: 5000 });
    expect(run).toEqual({ ticks: 2, reports: 4, takeOffs: 0, failures: 0 });
    expect(deps.sendTelemetry).toHaveBeenCalledWith(
      'drone-1',
      expect.objectContaining({ status: 'HeadedToPickup', recordedAt: '2030-01-01T10:00:00.000Z' }),
    );
  });

  it('takes off a drone whose booked departure is due, from its base with a charged battery', async () => {
    const resting = drone('drone-3', { position: near(0), batteryPercent: 40 });
    const deps = fakeDeps({ flying: [], departures: [{ drone: resting, deliveryId: 'd-3' }] }, 6000);

    const run = await runSimulator(deps, { tickMs: 1000, speedFactor: 60, marginMs: 5000 });

    expect(run).toEqual({ ticks: 1, reports: 1, takeOffs: 1, failures: 0 });
    expect(deps.sendTelemetry).toHaveBeenCalledWith('drone-3', {
      deliveryId: 'd-3',
      status: 'HeadedToPickup',
      location: near(0),
      batteryPercent: 100,
      speedMps: 20,
      recordedAt: '2030-01-01T10:00:00.000Z',
    });
  });

  it('advances drones by speed times tick times speed factor', async () => {
    const deps = fakeDeps(
      only([drone('drone-1', { state: 'HeadedToPickup', deliveryId: 'd-1', route, speedMps: 10 })]),
      5500,
    );
    await runSimulator(deps, { tickMs: 500, speedFactor: 20, marginMs: 5000 });
    const report = vi.mocked(deps.sendTelemetry).mock.calls[0]?.[1];
    expect(report?.location.latitude).toBeCloseTo(47.6 + 0.1 / 111.2, 5);
  });

  it('counts a refused report and carries on with the next drone', async () => {
    const deps = fakeDeps(
      only([flying, drone('drone-2', { state: 'HeadedToPickup', deliveryId: 'd-2', route })]),
      6000,
      async (id) => {
        if (id === 'drone-1') throw new Error('503');
      },
    );
    const run = await runSimulator(deps, { tickMs: 1000, speedFactor: 60, marginMs: 5000 });
    expect(run).toEqual({ ticks: 1, reports: 1, takeOffs: 0, failures: 1 });
  });

  it('does nothing when the invocation starts inside the margin', async () => {
    const deps = fakeDeps(only([flying]), 4000);
    const run = await runSimulator(deps, { tickMs: 1000, speedFactor: 60, marginMs: 5000 });
    expect(run.ticks).toBe(0);
    expect(deps.listWork).not.toHaveBeenCalled();
  });
});

describe('listFlightWork', () => {
  const booked = async () => {
    const memory = createMemoryDroneStore([drone('drone-1', { position: near(0.8) })]);
    const result = await assignDrone(
      { store: memory.store, now: () => new Date(T0) },
      'd-1',
      assignmentRequest({ pickupTime: '2030-01-01T12:00:00.000Z', deadline: '2030-01-01T14:00:00.000Z' }),
    );
    return { ...memory, departAt: Date.parse(result.departAt) };
  };

  it('lists a booking only once its departure is due', async () => {
    const { store, departAt } = await booked();

    const before = await listFlightWork(store, new Date(departAt - 1));
    const due = await listFlightWork(store, new Date(departAt));

    expect(before).toEqual({ flying: [], departures: [] });
    expect(due.departures).toEqual([
      { drone: expect.objectContaining({ droneId: 'drone-1' }), deliveryId: 'd-1' },
    ]);
  });

  it('lists the drone as flying, not departing, once it took off', async () => {
    const { store, departAt } = await booked();
    const bus = recordingPublisher();
    const deps = { store, publisher: bus.publisher, now: () => new Date(departAt), correlationId: 'c' };
    await ingestTelemetry(deps, 'drone-1', {
      deliveryId: 'd-1',
      status: 'HeadedToPickup',
      location: near(0.8),
      batteryPercent: 100,
      speedMps: 20,
      recordedAt: new Date(departAt).toISOString(),
    });

    const work = await listFlightWork(store, new Date(departAt + 1000));

    expect(work.departures).toEqual([]);
    expect(work.flying.map((d) => [d.droneId, d.state, d.deliveryId])).toEqual([
      ['drone-1', 'HeadedToPickup', 'd-1'],
    ]);
  });

  it('holds a due departure while the drone is still out on another flight', async () => {
    const { store, drones, departAt } = await booked();
    drones.set('drone-1', { ...drones.get('drone-1')!, state: 'Returning', deliveryId: 'd-0', route });

    const work = await listFlightWork(store, new Date(departAt));

    expect(work.departures).toEqual([]);
  });
});

describe('a booked delivery in the simulator, end to end on the memory table', () => {
  it('leaves at the booked departure, not before, and comes back with the delivery done', async () => {
    const memory = createMemoryDroneStore([drone('drone-1', { position: near(0) })]);
    const pickupTime = T0 + 3_600_000;
    const booking = await assignDrone(
      { store: memory.store, now: () => new Date(T0) },
      'd-1',
      assignmentRequest({
        pickupTime: new Date(pickupTime).toISOString(),
        deadline: new Date(pickupTime + 3_600_000).toISOString(),
      }),
    );
    const bus = recordingPublisher();
    let clock = T0;
    const deps: SimulatorDeps = {
      listWork: (now) => listFlightWork(memory.store, now),
      sendTelemetry: async (droneId, report) => {
        const telemetryDeps = { store: memory.store, publisher: bus.publisher, now: () => new Date(clock) };
        await ingestTelemetry({ ...telemetryDeps, correlationId: 'sim' }, droneId, report);
      },
      now: () => new Date(clock),
      sleep: async () => {},
      remainingMs: () => 10_000,
    };
    // One tick per call: the margin leaves no room for a second.
    const tick = () => runSimulator(deps, { tickMs: 1000, speedFactor: 60, marginMs: 9_500 });

    clock = Date.parse(booking.departAt) - 1000;
    await tick();
    const early = memory.drones.get('drone-1')?.state;
    clock = Date.parse(booking.departAt);
    const statuses: string[] = [];
    for (let n = 0; n < 100 && (n === 0 || memory.drones.get('drone-1')?.state !== 'Idle'); n++) {
      await tick();
      clock += 1000;
      const state = memory.drones.get('drone-1')?.state ?? '';
      if (statuses.at(-1) !== state) statuses.push(state);
    }

    expect(early).toBe('Idle');
    expect(statuses).toEqual([
      'HeadedToPickup',
      'PickedUp',
      'HeadedToDropoff',
      'Dropped',
      'Returning',
      'Idle',
    ]);
    expect(memory.assignments.get('d-1')?.finishedAt).toEqual(expect.any(String));
    expect(memory.flying.has('drone-1')).toBe(false);
    expect(
      bus.published
        .filter((event) => event.detailType === 'DroneStatusChanged')
        .map((e) => e.data.deliveryId),
    ).toEqual(Array(6).fill('d-1'));
  });
});
