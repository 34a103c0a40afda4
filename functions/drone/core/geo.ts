import type { Location } from '../../../events/schemas.ts';

const EARTH_RADIUS_M = 6_371_000;

function radians(degrees: number): number {
  return (degrees * Math.PI) / 180;
}

/** Great-circle distance in metres between two points (altitude ignored: it is small next to the legs). */
export function haversineMeters(from: Location, to: Location): number {
  const dLat = radians(to.latitude - from.latitude);
  const dLon = radians(to.longitude - from.longitude);
  const a =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(radians(from.latitude)) * Math.cos(radians(to.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/**
 * The point `meters` along the way from `from` to `to`, or `to` itself when the step reaches it.
 * Legs are a few kilometres long, so interpolating the coordinates linearly is accurate enough.
 */
export function moveToward(
  from: Location,
  to: Location,
  meters: number,
  cruiseAltitude: number,
): { location: Location; arrived: boolean } {
  const remaining = haversineMeters(from, to);
  if (meters >= remaining) return { location: { ...to }, arrived: true };
  const fraction = meters / remaining;
  return {
    location: {
      latitude: from.latitude + (to.latitude - from.latitude) * fraction,
      longitude: from.longitude + (to.longitude - from.longitude) * fraction,
      altitude: cruiseAltitude,
    },
    arrived: false,
  };
}
