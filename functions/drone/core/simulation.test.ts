import { describe, expect, it } from 'vitest';
import { drone, near } from '../test-support/fixtures.ts';
import { haversineMeters } from './geo.ts';
import type { Drone } from './model.ts';
import { CRUISE_ALTITUDE_M, stepDrone } from './simulation.ts';

const route = { pickup: near(1), dropoff: near(3), home: near(0) };

function assigned(overrides: Partial<Drone> = {}): Drone {
  return drone('drone-1', { state: 'Assigned', deliveryId: 'd-1', route, position: near(0), ...overrides });
}

describe('stepDrone', () => {
  it('sets an assigned drone off toward the pickup at once', () => {
    const report = stepDrone(assigned(), 10);
    expect(report).toMatchObject({ deliveryId: 'd-1', status: 'HeadedToPickup', speedMps: 20 });
    expect(haversineMeters(near(0), report!.location)).toBeCloseTo(200, -1);
    expect(report!.location.altitude).toBe(CRUISE_ALTITUDE_M);
  });

  it('reports PickedUp, at the pickup and at rest, on the step that reaches it', () => {
    const report = stepDrone(assigned({ state: 'HeadedToPickup', position: near(0.9) }), 10);
    expect(report).toMatchObject({ status: 'PickedUp', location: route.pickup, speedMps: 0 });
  });

  it('heads for the dropoff after the pickup', () => {
    const report = stepDrone(assigned({ state: 'PickedUp', position: route.pickup }), 10);
    expect(report?.status).toBe('HeadedToDropoff');
  });

  it('reports Dropped at the dropoff', () => {
    const report = stepDrone(assigned({ state: 'HeadedToDropoff', position: near(2.95) }), 10);
    expect(report).toMatchObject({ status: 'Dropped', location: route.dropoff });
  });

  it('returns home after the drop', () => {
    const report = stepDrone(assigned({ state: 'Dropped', position: route.dropoff }), 10);
    expect(report?.status).toBe('Returning');
  });

  it('lands Idle at home with a fresh battery', () => {
    const report = stepDrone(assigned({ state: 'Returning', position: near(0.1), batteryPercent: 40 }), 10);
    expect(report).toMatchObject({
      status: 'Idle',
      location: route.home,
      batteryPercent: 100,
      deliveryId: 'd-1',
    });
  });

  it('drains the battery by one percent per kilometre flown', () => {
    const report = stepDrone(assigned({ state: 'PickedUp', position: route.pickup, batteryPercent: 80 }), 50);
    expect(report?.batteryPercent).toBeCloseTo(79, 1);
  });

  it('leaves idle drones and drones without a route alone', () => {
    expect(stepDrone(drone('idle', { route }), 10)).toBeUndefined();
    expect(stepDrone(drone('lost', { state: 'HeadedToPickup' }), 10)).toBeUndefined();
  });

  it('flies a whole delivery through every status in order', () => {
    let current = assigned();
    const statuses: string[] = [];
    for (let step = 0; step < 100 && current.state !== 'Idle'; step++) {
      const report = stepDrone(current, 10)!;
      if (statuses.at(-1) !== report.status) statuses.push(report.status);
      current = {
        ...current,
        state: report.status,
        position: report.location,
        batteryPercent: report.batteryPercent,
      };
    }
    expect(statuses).toEqual([
      'HeadedToPickup',
      'PickedUp',
      'HeadedToDropoff',
      'Dropped',
      'Returning',
      'Idle',
    ]);
  });
});
