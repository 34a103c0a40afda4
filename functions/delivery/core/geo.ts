import type { Location } from '../../../events/schemas.ts';

const EARTH_RADIUS_M = 6_371_000;
const toRadians = (degrees: number) => (degrees * Math.PI) / 180;

/** Great-circle distance in metres (haversine); altitude is ignored at delivery scales. */
export function distanceMeters(from: Location, to: Location): number {
  const dLat = toRadians(to.latitude - from.latitude);
  const dLon = toRadians(to.longitude - from.longitude);
  const a =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(toRadians(from.latitude)) * Math.cos(toRadians(to.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** The time `meters` takes at `speedMps` after `from`. */
export function after(from: Date, meters: number, speedMps: number): Date {
  return new Date(from.getTime() + Math.round((meters / speedMps) * 1000));
}
