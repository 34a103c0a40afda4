import { describe, expect, it } from 'vitest';
import { assignmentRequest, near } from '../test-support/fixtures.ts';
import { haversineMeters } from './geo.ts';
import type { DroneProfile } from './model.ts';
import {
  candidateScore,
  findWindow,
  flightFor,
  idealDeparture,
  latestDeparture,
  MAX_WINDOW_MS,
  requiredBatteryPercent,
  sameRequest,
} from './selection.ts';

const profile = (overrides: Partial<DroneProfile> = {}): DroneProfile => ({
  droneId: 'd',
  home: near(0),
  speedMps: 20,
  payloadLimitKg: 5,
  version: 0,
  ...overrides,
});

const request = assignmentRequest();
const NOW = Date.parse('2030-01-01T09:00:00.000Z');
const PICKUP = Date.parse(request.pickupTime);

describe('flightFor', () => {
  it('times each leg at the drone speed and charges back what the trip used', () => {
    const flight = flightFor(profile(), request)!;

    const trip =
      haversineMeters(near(0), near(1)) +
      haversineMeters(near(1), near(5)) +
      haversineMeters(near(5), near(0));
    expect(flight.toPickupMs).toBe(Math.ceil((haversineMeters(near(0), near(1)) / 20) * 1000));
    expect(flight.legMs).toBe(Math.ceil((haversineMeters(near(1), near(5)) / 20) * 1000));
    // 1 % a kilometre used, 1 % a minute charged.
    expect(flight.rechargeMs).toBe(Math.ceil((trip / 1000) * 60_000));
    expect(flight.durationMs).toBe(flight.toPickupMs + flight.legMs + flight.backMs + flight.rechargeMs);
  });

  it('leaves out a drone that cannot carry the weight', () => {
    expect(flightFor(profile({ payloadLimitKg: 2 }), assignmentRequest({ weightKg: 4 }))).toBeUndefined();
  });

  it('leaves out a trip a full battery does not reach', () => {
    const far = assignmentRequest({ pickup: near(0), dropoff: near(60) });
    expect(requiredBatteryPercent(profile(), far)).toBeGreaterThan(100);
    expect(flightFor(profile(), far)).toBeUndefined();
  });

  it('leaves out a flight that would hold the drone longer than a window may last', () => {
    const slow = flightFor(profile({ speedMps: 0.25 }), request);
    expect(slow).toBeUndefined();
    expect(MAX_WINDOW_MS).toBeGreaterThan(flightFor(profile(), request)!.durationMs);
  });

  it('shortens every part of the window by the time scale', () => {
    const nominal = flightFor(profile(), request)!;
    const scaled = flightFor(profile(), request, 60)!;
    expect(scaled.durationMs).toBeLessThanOrEqual(Math.ceil(nominal.durationMs / 60) + 4);
    expect(scaled.toPickupM).toBe(nominal.toPickupM);
  });
});

describe('findWindow', () => {
  const flight = flightFor(profile(), request)!;

  it('leaves so as to pick up at the asked time when nothing is in the way', () => {
    const search = findWindow(flight, request, NOW, undefined, []);
    expect(search).toEqual({
      window: {
        departAt: PICKUP - flight.toPickupMs,
        pickupEta: PICKUP,
        deliveryEta: PICKUP + flight.legMs,
        freeAt: PICKUP + flight.legMs + flight.backMs + flight.rechargeMs,
      },
      onTime: true,
    });
  });

  it('leaves now when the asked pickup time has passed', () => {
    const late = PICKUP + 60_000;
    expect(idealDeparture(flight, request, late)).toBe(late);
    expect(findWindow(flight, request, late, undefined, []).window?.departAt).toBe(late);
  });

  it('fits between two holds when the gap is long enough', () => {
    const ideal = PICKUP - flight.toPickupMs;
    const holds = [
      { departAt: ideal - 3_600_000, freeAt: ideal - 60_000 },
      { departAt: ideal + flight.durationMs, freeAt: ideal + flight.durationMs + 3_600_000 },
    ];
    expect(findWindow(flight, request, NOW, undefined, holds)).toMatchObject({ onTime: true });
  });

  it('moves after a hold in the way, and says it is late', () => {
    const ideal = PICKUP - flight.toPickupMs;
    const hold = { departAt: ideal - 60_000, freeAt: ideal + 600_000 };
    const search = findWindow(flight, request, NOW, undefined, [hold]);
    expect(search).toMatchObject({ window: { departAt: hold.freeAt }, onTime: false });
  });

  it('skips a gap too short for the flight', () => {
    const ideal = PICKUP - flight.toPickupMs;
    const holds = [
      { departAt: ideal - 60_000, freeAt: ideal + 60_000 },
      { departAt: ideal + 120_000, freeAt: ideal + 900_000 },
    ];
    expect(findWindow(flight, request, NOW, undefined, holds).window?.departAt).toBe(ideal + 900_000);
  });

  it('waits for the drone to be ready', () => {
    const readyAt = PICKUP + 60_000;
    expect(findWindow(flight, request, NOW, readyAt, [])).toMatchObject({
      window: { departAt: readyAt },
      onTime: false,
    });
  });

  it('finds nothing past the latest departure, and says when the first hold in the way ends', () => {
    const ideal = PICKUP - flight.toPickupMs;
    const hold = { departAt: ideal - 60_000, freeAt: latestDeparture(flight, request) + 1 };
    expect(findWindow(flight, request, NOW, undefined, [hold])).toEqual({ blockedUntil: hold.freeAt });
  });

  it('finds nothing, with nothing to wait for, when the deadline is out of reach', () => {
    const tight = assignmentRequest({ deadline: '2030-01-01T10:01:00.000Z' });
    expect(findWindow(flight, tight, NOW, undefined, [])).toEqual({});
  });
});

describe('candidateScore', () => {
  it('ranks by distance, or by the time to the pickup for an expedited delivery', () => {
    const slowNear = flightFor(profile({ home: near(2), speedMps: 5 }), request)!;
    const fastFar = flightFor(profile({ home: near(-2), speedMps: 25 }), request)!;
    expect(candidateScore(slowNear, request)).toBeLessThan(candidateScore(fastFar, request));
    const expedited = assignmentRequest({ expedited: true });
    expect(candidateScore(fastFar, expedited)).toBeLessThan(candidateScore(slowNear, expedited));
  });
});

describe('sameRequest', () => {
  it('treats the same instants written differently as the same request', () => {
    const a = assignmentRequest();
    const b = assignmentRequest({ pickupTime: '2030-01-01T11:00:00+01:00' });
    expect(sameRequest(a, b)).toBe(true);
  });

  it('sees a changed dropoff', () => {
    expect(sameRequest(assignmentRequest(), assignmentRequest({ dropoff: near(6) }))).toBe(false);
  });

  it('sees a changed weight', () => {
    expect(sameRequest(assignmentRequest(), assignmentRequest({ weightKg: 2 }))).toBe(false);
  });
});
