import { describe, expect, it } from 'vitest';
import { haversineMeters, moveToward } from './geo.ts';

const seattle = { latitude: 47.6062, longitude: -122.3321, altitude: 0 };
const portland = { latitude: 45.5152, longitude: -122.6784, altitude: 0 };

describe('haversineMeters', () => {
  it('measures Seattle to Portland as about 234 km', () => {
    expect(haversineMeters(seattle, portland)).toBeGreaterThan(232_000);
    expect(haversineMeters(seattle, portland)).toBeLessThan(236_000);
  });

  it('is zero between a point and itself', () => {
    expect(haversineMeters(seattle, seattle)).toBe(0);
  });
});

describe('moveToward', () => {
  it('moves the given distance toward the target at cruise altitude', () => {
    const { location, arrived } = moveToward(seattle, portland, 10_000, 120);
    expect(arrived).toBe(false);
    expect(haversineMeters(seattle, location)).toBeCloseTo(10_000, -2);
    expect(location.altitude).toBe(120);
  });

  it('lands exactly on the target when the step reaches it', () => {
    const { location, arrived } = moveToward(seattle, portland, 500_000, 120);
    expect(arrived).toBe(true);
    expect(location).toEqual(portland);
  });
});
