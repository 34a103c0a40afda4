import { describe, expect, it } from 'vitest';
import { drone, near } from '../test-support/fixtures.ts';
import { nextState, type Telemetry } from './telemetry.ts';

const base: Telemetry = {
  location: near(0),
  batteryPercent: 90,
  speedMps: 0,
  recordedAt: '2030-01-01T10:00:00Z',
};

describe('nextState', () => {
  it('keeps the state when the report carries no status', () => {
    expect(nextState(drone('d', { state: 'HeadedToPickup', deliveryId: 'x' }), base)).toBe('HeadedToPickup');
  });

  it('takes the reported status for the delivery the drone holds', () => {
    const holding = drone('d', { state: 'HeadedToPickup', deliveryId: 'x' });
    expect(nextState(holding, { ...base, deliveryId: 'x', status: 'PickedUp' })).toBe('PickedUp');
  });

  it('keeps the state for a report about another delivery', () => {
    expect(nextState(drone('d'), { ...base, deliveryId: 'released', status: 'HeadedToPickup' })).toBe('Idle');
  });

  it('does not believe an Idle report while the delivery is under way', () => {
    const carrying = drone('d', { state: 'HeadedToDropoff', deliveryId: 'x' });
    expect(nextState(carrying, { ...base, status: 'Idle' })).toBe('HeadedToDropoff');
  });

  it('accepts an Idle report after the drop', () => {
    const returning = drone('d', { state: 'Returning', deliveryId: 'x' });
    expect(nextState(returning, { ...base, status: 'Idle' })).toBe('Idle');
  });
});
