import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignDrone } from '../core/assignment.ts';
import { listFlightWork, runSimulator, type SimulatorDeps } from '../core/simulator.ts';
import type { DroneStore } from '../core/store.ts';
import { ingestTelemetry } from '../core/telemetry.ts';
import { createDroneTestTable } from '../test-support/drone-table.ts';
import { assignmentRequest, drone, near } from '../test-support/fixtures.ts';
import { recordingPublisher } from '../test-support/publisher.ts';
import { createDroneStore } from './dynamodb-store.ts';

// The simulator's view of the table in DynamoDB Local: due departures and drones in flight come
// from the dispatch index, and a booked drone leaves at its departure and comes back.

let table: Awaited<ReturnType<typeof createDroneTestTable>>;
let store: DroneStore;
const T0 = Date.parse('2030-01-01T08:00:00.000Z');

beforeAll(async () => {
  table = await createDroneTestTable('drone-simulator');
  store = createDroneStore(table.documentClient, table.tableName);
});

afterAll(async () => {
  await table.drop();
});

describe('the simulator on the dispatch index', () => {
  it('takes off a booked drone at its departure, flies it, and lists nothing once it is back', async () => {
    await store.putDroneIfAbsent(drone('sim-1', { position: near(0) }));
    const pickupTime = T0 + 3_600_000;
    const booking = await assignDrone(
      { store, now: () => new Date(T0) },
      'sim-d1',
      assignmentRequest({
        pickupTime: new Date(pickupTime).toISOString(),
        deadline: new Date(pickupTime + 3_600_000).toISOString(),
      }),
    );
    const departAt = Date.parse(booking.departAt);
    const bus = recordingPublisher();
    let clock = departAt;
    const deps: SimulatorDeps = {
      listWork: (now) => listFlightWork(store, now),
      sendTelemetry: async (droneId, report) => {
        await ingestTelemetry(
          { store, publisher: bus.publisher, now: () => new Date(clock), correlationId: 'sim' },
          droneId,
          report,
        );
      },
      now: () => new Date(clock),
      sleep: async () => {},
      remainingMs: () => 10_000,
    };

    const before = await listFlightWork(store, new Date(departAt - 1));
    const due = await listFlightWork(store, new Date(departAt));
    const statuses: string[] = [];
    for (let tick = 0; tick < 100; tick++) {
      await runSimulator(deps, { tickMs: 1000, speedFactor: 60, marginMs: 9_500 });
      clock += 1000;
      const state = (await store.getDrone('sim-1'))?.state ?? '';
      if (statuses.at(-1) !== state) statuses.push(state);
      if (state === 'Idle') break;
    }
    const after = await listFlightWork(store, new Date(clock));

    expect(before).toEqual({ flying: [], departures: [] });
    expect(due.departures.map(({ drone: d, deliveryId }) => [d.droneId, deliveryId])).toEqual([
      ['sim-1', 'sim-d1'],
    ]);
    expect(statuses).toEqual([
      'HeadedToPickup',
      'PickedUp',
      'HeadedToDropoff',
      'Dropped',
      'Returning',
      'Idle',
    ]);
    expect(after).toEqual({ flying: [], departures: [] });
    expect(await store.getAssignment('sim-d1')).toMatchObject({ finishedAt: expect.any(String) });
  });
});
