import { describe, expect, it } from 'vitest';
import { assignmentRequest, drone, near } from '../test-support/fixtures.ts';
import { createMemoryDroneStore } from '../test-support/memory-store.ts';
import { recordingPublisher } from '../test-support/publisher.ts';
import { assignDrone } from './assignment.ts';
import { EARLY_TAKE_OFF_MS, ingestTelemetry, type Telemetry } from './telemetry.ts';

// A drone takes a delivery when it takes off for its booking, and only then.

const T0 = Date.parse('2030-01-01T10:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

async function setup() {
  const memory = createMemoryDroneStore([
    drone('booked', { position: near(0.8) }),
    drone('other', { position: near(-3) }),
  ]);
  await assignDrone(
    { store: memory.store, now: () => new Date(T0) },
    'd-1',
    assignmentRequest({ pickupTime: at(0), deadline: at(7200) }),
  );
  const bus = recordingPublisher();
  const report = (droneId: string, overrides: Partial<Telemetry>) =>
    ingestTelemetry(
      { store: memory.store, publisher: bus.publisher, now: () => new Date(T0), correlationId: 'c' },
      droneId,
      { location: near(0.8), batteryPercent: 100, speedMps: 20, recordedAt: at(1), ...overrides },
    );
  return { ...memory, bus, report };
}

describe('taking off for a booking', () => {
  it('gives the drone the delivery, its route and a status event about it', async () => {
    const { drones, flying, bus, report } = await setup();

    await report('booked', { deliveryId: 'd-1', status: 'HeadedToPickup' });

    expect(drones.get('booked')).toMatchObject({
      state: 'HeadedToPickup',
      deliveryId: 'd-1',
      route: { pickup: near(1), dropoff: near(5), home: near(0.8) },
    });
    expect(flying.has('booked')).toBe(true);
    expect(bus.published.find((event) => event.detailType === 'DroneStatusChanged')?.data).toMatchObject({
      droneId: 'booked',
      deliveryId: 'd-1',
      status: 'HeadedToPickup',
    });
  });

  it('does not give a drone a delivery booked on another drone', async () => {
    const { drones, report } = await setup();

    await report('other', { deliveryId: 'd-1', status: 'HeadedToPickup' });

    expect(drones.get('other')?.state).toBe('Idle');
    expect(drones.get('other')?.deliveryId).toBeUndefined();
  });

  it('does not take off twice for one booking: a second take-off report is an ordinary one', async () => {
    const { drones, report } = await setup();
    await report('booked', { deliveryId: 'd-1', status: 'HeadedToPickup' });
    // Put back on the ground by hand, its booking already flown.
    const { deliveryId: _held, route: _route, ...grounded } = drones.get('booked')!;
    drones.set('booked', { ...grounded, state: 'Idle' });

    const outcome = await report('booked', {
      deliveryId: 'd-1',
      status: 'HeadedToPickup',
      recordedAt: at(3),
    });

    expect(outcome).toBe('applied');
    expect(drones.get('booked')?.state).toBe('Idle');
    expect(drones.get('booked')?.deliveryId).toBeUndefined();
  });

  it('does not take off long before the booked departure', async () => {
    const { assignments, drones, report } = await setup();
    const departAt = Date.parse(assignments.get('d-1')!.departAt);

    await report('booked', {
      deliveryId: 'd-1',
      status: 'HeadedToPickup',
      recordedAt: new Date(departAt - EARLY_TAKE_OFF_MS - 1000).toISOString(),
    });

    expect(drones.get('booked')?.state).toBe('Idle');
  });

  it('takes the delivery only from a resting drone', async () => {
    const { drones, report } = await setup();
    drones.set('booked', { ...drones.get('booked')!, state: 'Returning' });

    await report('booked', { deliveryId: 'd-1', status: 'HeadedToPickup' });

    expect(drones.get('booked')).toMatchObject({ state: 'Returning' });
    expect(drones.get('booked')?.deliveryId).toBeUndefined();
  });
});
