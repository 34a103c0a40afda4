import { describe, expect, it } from 'vitest';
import { assignmentRequest, drone, near } from '../test-support/fixtures.ts';
import { haversineMeters } from './geo.ts';
import { canFly, estimateEtas, rankCandidates, requiredBatteryPercent, sameRequest } from './selection.ts';

describe('rankCandidates', () => {
  it('puts the idle drone nearest to the pickup first', () => {
    // prepare
    const far = drone('far', { position: near(10) });
    const close = drone('close', { position: near(1.5) });
    const middle = drone('middle', { position: near(-3) });
    // act
    const ranked = rankCandidates([far, close, middle], assignmentRequest());
    // assess
    expect(ranked.map((d) => d.droneId)).toEqual(['close', 'middle', 'far']);
  });

  it('leaves out drones that cannot carry the weight', () => {
    const light = drone('light', { payloadLimitKg: 2 });
    const strong = drone('strong', { payloadLimitKg: 12, position: near(8) });
    const ranked = rankCandidates([light, strong], assignmentRequest({ weightKg: 4 }));
    expect(ranked.map((d) => d.droneId)).toEqual(['strong']);
  });

  it('leaves out drones whose battery is below the departure minimum', () => {
    const low = drone('low', { batteryPercent: 15 });
    const ranked = rankCandidates([low], assignmentRequest());
    expect(ranked).toEqual([]);
  });

  it('leaves out drones that are not idle or still hold a delivery', () => {
    const busy = drone('busy', { state: 'HeadedToPickup', deliveryId: 'd-1' });
    const holding = drone('holding', { deliveryId: 'd-2' });
    const free = drone('free', { position: near(20) });
    const ranked = rankCandidates([busy, holding, free], assignmentRequest());
    expect(ranked.map((d) => d.droneId)).toEqual(['free']);
  });

  it('prefers the drone that reaches the pickup first when the delivery is expedited', () => {
    const slowNear = drone('slow-near', { position: near(2), speedMps: 5 });
    const fastFar = drone('fast-far', { position: near(3.5), speedMps: 25 });
    const ranked = rankCandidates([slowNear, fastFar], assignmentRequest({ expedited: true }));
    expect(ranked.map((d) => d.droneId)).toEqual(['fast-far', 'slow-near']);
  });

  it('breaks distance ties by the fuller battery', () => {
    const a = drone('a', { batteryPercent: 60 });
    const b = drone('b', { batteryPercent: 90 });
    expect(rankCandidates([a, b], assignmentRequest()).map((d) => d.droneId)).toEqual(['b', 'a']);
  });
});

describe('requiredBatteryPercent', () => {
  it('is at least the departure minimum for a short trip', () => {
    expect(requiredBatteryPercent(drone('d'), assignmentRequest())).toBe(30);
  });

  it('grows with the trip for a long one', () => {
    const request = assignmentRequest({ pickup: near(0), dropoff: near(60) });
    expect(requiredBatteryPercent(drone('d'), request)).toBeGreaterThan(120);
    expect(canFly(drone('d'), request)).toBe(false);
  });
});

describe('estimateEtas', () => {
  it('picks up at the requested time when the drone can be there before', () => {
    const now = new Date('2030-01-01T09:00:00.000Z');
    const etas = estimateEtas(drone('d'), assignmentRequest(), now);
    const flightSeconds = haversineMeters(near(1), near(5)) / 20;
    expect(etas.pickupEta).toBe('2030-01-01T10:00:00.000Z');
    expect(Date.parse(etas.deliveryEta) - Date.parse(etas.pickupEta)).toBe(Math.round(flightSeconds * 1000));
  });

  it('picks up as soon as the drone can fly there when the requested time has passed', () => {
    const now = new Date('2030-01-01T11:00:00.000Z');
    const etas = estimateEtas(drone('d', { position: near(0) }), assignmentRequest(), now);
    const toPickupMs = (haversineMeters(near(0), near(1)) / 20) * 1000;
    expect(Date.parse(etas.pickupEta)).toBe(Math.round(now.getTime() + toPickupMs));
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
