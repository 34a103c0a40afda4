import { describe, expect, it } from 'vitest';
import { near } from '../test-support/fixtures.ts';
import { CELL_DEGREES, cellKey, cellOf, cellsAround, distanceToCell } from './cells.ts';

describe('cellOf', () => {
  it('puts a point on a cell edge in the cell the edge starts', () => {
    expect(cellOf({ latitude: 47.6, longitude: -122.3 })).toEqual({ row: 952, column: -2446 });
  });

  it('wraps longitudes across the antimeridian', () => {
    const east = cellOf({ latitude: 0, longitude: 179.99 });
    const west = cellOf({ latitude: 0, longitude: -180 });
    expect(east.column + 1).toBe(180 / CELL_DEGREES);
    expect(west.column).toBe(-180 / CELL_DEGREES);
  });
});

describe('distanceToCell', () => {
  it('is zero inside the cell and grows with the distance to its edge', () => {
    const point = near(0.5, 0.5);
    const own = cellOf(point);
    expect(distanceToCell(point, own)).toBe(0);
    const north = { row: own.row + 1, column: own.column };
    const twoNorth = { row: own.row + 2, column: own.column };
    expect(distanceToCell(point, north)).toBeGreaterThan(0);
    expect(distanceToCell(point, twoNorth) - distanceToCell(point, north)).toBeCloseTo(
      CELL_DEGREES * 111_195,
      -2,
    );
  });
});

describe('cellsAround', () => {
  it('starts with the point own cell and lists every cell within the radius, nearest first', () => {
    const point = near(0.5, 0.5);
    const cells = cellsAround(point, 10_000);
    expect(cells[0]?.key).toBe(cellKey(cellOf(point)));
    expect(cells.every((cell, i) => i === 0 || cell.distanceM >= (cells[i - 1]?.distanceM ?? 0))).toBe(true);
    expect(cells.every((cell) => cell.distanceM <= 10_000)).toBe(true);
    // A cell of the ring just past the radius is left out.
    expect(cells.some((cell) => cell.distanceM > 9_000)).toBe(true);
    expect(new Set(cells.map((cell) => cell.key)).size).toBe(cells.length);
  });

  it('covers every point within the radius', () => {
    const point = near(0.5, 0.5);
    const keys = new Set(cellsAround(point, 10_000).map((cell) => cell.key));
    for (const [north, east] of [
      [9.9, 0],
      [0, 9.9],
      [-7, -7],
      [7, -7],
    ] as const) {
      expect(keys.has(cellKey(cellOf(near(0.5 + north, 0.5 + east))))).toBe(true);
    }
  });
});
