import type { Location } from '../../../events/schemas.ts';
import { chargeMs, type Drone, FULL_BATTERY_PERCENT } from './model.ts';
import type { DroneStore } from './store.ts';

// The demo fleet of dev stages and the local cloud: bases spread over Seattle around
// (47.6, -122.3), payload limits from 2 to 12 kg, and two drones seeded with too little battery to
// fly (15 % and 25 %): they are booked once charged, so tests see drones that are not ready yet.

interface FleetEntry {
  droneId: string;
  home: [latitude: number, longitude: number];
  payloadLimitKg: number;
  batteryPercent: number;
  speedMps: number;
}

const FLEET: readonly FleetEntry[] = [
  { droneId: 'drone-001', home: [47.6, -122.3], payloadLimitKg: 5, batteryPercent: 100, speedMps: 20 },
  { droneId: 'drone-002', home: [47.605, -122.31], payloadLimitKg: 2, batteryPercent: 95, speedMps: 22 },
  { droneId: 'drone-003', home: [47.595, -122.29], payloadLimitKg: 12, batteryPercent: 90, speedMps: 18 },
  { droneId: 'drone-004', home: [47.61, -122.32], payloadLimitKg: 8, batteryPercent: 100, speedMps: 20 },
  { droneId: 'drone-005', home: [47.59, -122.28], payloadLimitKg: 3, batteryPercent: 15, speedMps: 20 },
  { droneId: 'drone-006', home: [47.62, -122.3], payloadLimitKg: 10, batteryPercent: 85, speedMps: 19 },
  { droneId: 'drone-007', home: [47.58, -122.3], payloadLimitKg: 6, batteryPercent: 100, speedMps: 21 },
  { droneId: 'drone-008', home: [47.6, -122.33], payloadLimitKg: 4, batteryPercent: 25, speedMps: 20 },
  { droneId: 'drone-009', home: [47.6, -122.27], payloadLimitKg: 12, batteryPercent: 100, speedMps: 17 },
  { droneId: 'drone-010', home: [47.63, -122.32], payloadLimitKg: 7, batteryPercent: 80, speedMps: 20 },
  { droneId: 'drone-011', home: [47.57, -122.31], payloadLimitKg: 2, batteryPercent: 100, speedMps: 24 },
  { droneId: 'drone-012', home: [47.615, -122.285], payloadLimitKg: 9, batteryPercent: 95, speedMps: 20 },
  { droneId: 'drone-013', home: [47.585, -122.32], payloadLimitKg: 11, batteryPercent: 100, speedMps: 18 },
  { droneId: 'drone-014', home: [47.64, -122.28], payloadLimitKg: 5, batteryPercent: 100, speedMps: 22 },
];

/** The seeded fleet, every drone Idle at its base. */
export function demoFleet(): Drone[] {
  return FLEET.map((entry) => {
    const home: Location = { latitude: entry.home[0], longitude: entry.home[1], altitude: 0 };
    return {
      droneId: entry.droneId,
      home,
      position: { ...home },
      batteryPercent: entry.batteryPercent,
      payloadLimitKg: entry.payloadLimitKg,
      speedMps: entry.speedMps,
      state: 'Idle',
    };
  });
}

/**
 * When a drone seeded with `batteryPercent` is charged full and can be booked: bookings assume a
 * full battery at departure (`timeScale` as for the bookings, core/selection.ts).
 */
export function chargedAt(drone: Drone, now: Date, timeScale = 1): string | undefined {
  if (drone.batteryPercent >= FULL_BATTERY_PERCENT) return undefined;
  const ms = Math.ceil(chargeMs(FULL_BATTERY_PERCENT - drone.batteryPercent) / timeScale);
  return new Date(now.getTime() + ms).toISOString();
}

/**
 * Puts every demo drone and its profile that do not exist yet; drones already there, maybe in
 * flight, are left alone. A drone seeded short of a full battery is booked once it is charged.
 */
export async function seedFleet(
  store: DroneStore,
  now = new Date(),
  timeScale = 1,
): Promise<{ created: number; existing: number }> {
  const created = await Promise.all(
    demoFleet().map((drone) => store.putDroneIfAbsent(drone, chargedAt(drone, now, timeScale))),
  );
  const count = created.filter(Boolean).length;
  return { created: count, existing: created.length - count };
}
