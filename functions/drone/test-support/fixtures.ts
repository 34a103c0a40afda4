import type { Location } from '../../../events/schemas.ts';
import { profileItem } from '../core/keys.ts';
import type { Assignment, AssignmentRequest, Drone, DroneProfile } from '../core/model.ts';

// Builders of drone-table records for the tests of this service.

/** A point near Seattle, offset north/east by the given kilometres (roughly). */
export function near(northKm: number, eastKm = 0, altitude = 0): Location {
  return {
    latitude: 47.6 + northKm / 111.2,
    longitude: -122.3 + eastKm / (111.2 * Math.cos((47.6 * Math.PI) / 180)),
    altitude,
  };
}

/** An Idle drone at `position` (home too), fully charged, carrying up to 5 kg. */
export function drone(droneId: string, overrides: Partial<Drone> = {}): Drone {
  const home = overrides.home ?? overrides.position ?? near(0);
  return {
    droneId,
    home,
    position: home,
    batteryPercent: 100,
    payloadLimitKg: 5,
    speedMps: 20,
    state: 'Idle',
    ...overrides,
  };
}

/** A 1 kg delivery from 1 km north to 5 km north, at a fixed pickup time. */
export function assignmentRequest(overrides: Partial<AssignmentRequest> = {}): AssignmentRequest {
  return {
    pickup: near(1),
    dropoff: near(5),
    weightKg: 1,
    pickupTime: '2030-01-01T10:00:00.000Z',
    deadline: '2030-01-01T12:00:00.000Z',
    expedited: false,
    ...overrides,
  };
}

/** An assignment record of `deliveryId` to `droneId`. */
export function assignment(
  deliveryId: string,
  droneId: string,
  overrides: Partial<Assignment> = {},
): Assignment {
  return {
    deliveryId,
    droneId,
    departAt: '2030-01-01T09:58:00.000Z',
    pickupEta: '2030-01-01T10:00:00.000Z',
    deliveryEta: '2030-01-01T10:10:00.000Z',
    freeAt: '2030-01-01T10:40:00.000Z',
    request: assignmentRequest(),
    version: 1,
    createdAt: '2029-12-31T10:00:00.000Z',
    updatedAt: '2029-12-31T10:00:00.000Z',
    ...overrides,
  };
}

/** A drone as stored in the table. */
export function droneItem(record: Drone): Record<string, unknown> {
  return { pk: `DRONE#${record.droneId}`, sk: 'DRONE', ...record };
}

/** The profile of a drone (as seeding writes it) as stored in the table. */
export function profileItemOf(record: Drone, overrides: Partial<DroneProfile> = {}): Record<string, unknown> {
  return profileItem({
    droneId: record.droneId,
    home: record.home,
    speedMps: record.speedMps,
    payloadLimitKg: record.payloadLimitKg,
    version: 0,
    ...overrides,
  });
}

/** An assignment as stored in the table. */
export function assignmentItem(record: Assignment): Record<string, unknown> {
  return { pk: `ASSIGNMENT#${record.deliveryId}`, sk: 'ASSIGNMENT', ...record };
}
