import type { Location } from '../../../events/schemas.ts';
import { haversineMeters } from './geo.ts';

// The grid that lists drones by the cell of their home, so the drones near a pickup are found with
// a Query per cell instead of a Scan of the fleet. A plain latitude/longitude grid rather than
// geohash: its neighbours are integer offsets (geohash neighbours change parity across cell
// edges), and a cell's distance from a point is the distance to its rectangle. 0.05° is about
// 5.6 km north–south and 3.7 km east–west at Seattle's latitude: a handful of drones of a dense
// fleet per cell, and a pickup's own cell and its neighbours cover the drones likely to serve it.

export const CELL_DEGREES = 0.05;
const COLUMNS = Math.round(360 / CELL_DEGREES);
const ROWS = Math.round(180 / CELL_DEGREES);

/** One cell of the grid, by row (latitude) and column (longitude). */
export interface Cell {
  row: number;
  column: number;
}

// Rounded before the floor so that a coordinate on a cell edge (47.6 / 0.05 = 951.99…) lands
// in the cell it names, whatever the float arithmetic made of it.
const index = (degrees: number) => Math.floor(Math.round((degrees / CELL_DEGREES) * 1e9) / 1e9);

/** The cell of a point. */
export function cellOf(location: Pick<Location, 'latitude' | 'longitude'>): Cell {
  const row = Math.min(index(location.latitude), ROWS / 2 - 1);
  return { row, column: wrapColumn(index(location.longitude)) };
}

function wrapColumn(column: number): number {
  const half = COLUMNS / 2;
  return ((((column + half) % COLUMNS) + COLUMNS) % COLUMNS) - half;
}

/** The key under which the drones homed in a cell are listed. */
export function cellKey(cell: Cell): string {
  return `CELL#${cell.row}#${cell.column}`;
}

/** The shortest distance in metres from a point to any point of the cell (0 inside it). */
export function distanceToCell(point: Location, cell: Cell): number {
  const south = cell.row * CELL_DEGREES;
  const west = cell.column * CELL_DEGREES;
  const latitude = Math.min(Math.max(point.latitude, south), south + CELL_DEGREES);
  // The point's longitude seen from the cell, across the antimeridian if that is shorter.
  let longitude = point.longitude;
  if (longitude - west > 180) longitude -= 360;
  if (west - longitude > 180) longitude += 360;
  const clamped = Math.min(Math.max(longitude, west), west + CELL_DEGREES);
  return haversineMeters(point, { latitude, longitude: clamped, altitude: point.altitude });
}

/** A cell to look in, with its distance from the point searched around. */
export interface NearbyCell {
  cell: Cell;
  key: string;
  distanceM: number;
}

/** The cells within `radiusM` of a point, nearest first (the point's own cell first). */
export function cellsAround(point: Location, radiusM: number): NearbyCell[] {
  const center = cellOf(point);
  // A cell is at least this wide in either direction at the point's latitude (with some margin
  // for the cells nearer the pole), so this many rings reach the radius.
  const latitude = Math.min(89, Math.abs(point.latitude) + 2 * CELL_DEGREES);
  const narrowest = Math.min(111_000, 111_000 * Math.cos((latitude * Math.PI) / 180)) * CELL_DEGREES;
  const rings = Math.min(Math.ceil(radiusM / narrowest) + 1, COLUMNS / 2);
  const cells: NearbyCell[] = [];
  const seen = new Set<string>();
  for (let dr = -rings; dr <= rings; dr++) {
    const row = center.row + dr;
    if (row < -ROWS / 2 || row >= ROWS / 2) continue;
    for (let dc = -rings; dc <= rings; dc++) {
      const cell = { row, column: wrapColumn(center.column + dc) };
      const key = cellKey(cell);
      if (seen.has(key)) continue;
      seen.add(key);
      const distanceM = distanceToCell(point, cell);
      if (distanceM <= radiusM) cells.push({ cell, key, distanceM });
    }
  }
  return cells.sort((a, b) => a.distanceM - b.distanceM || a.key.localeCompare(b.key));
}
