import { describe, expect, it } from 'vitest';
import { checkWeight, packageIdOf, WEIGHT_LIMITS_KG } from './packages.ts';

describe('checkWeight', () => {
  it.each([
    ['Small', 2],
    ['Medium', 5],
    ['Large', 10],
  ] as const)('accepts a %s package of exactly %d kg', (size, weightKg) => {
    expect(() => checkWeight({ size, weightKg })).not.toThrow();
  });

  it.each([
    ['Small', 2.01],
    ['Medium', 5.5],
    ['Large', 10.1],
  ] as const)('rejects a %s package of %d kg with package-rejected', (size, weightKg) => {
    expect(() => checkWeight({ size, weightKg })).toThrow(expect.objectContaining({ statusCode: 422 }));
    expect(() => checkWeight({ size, weightKg })).toThrow(
      expect.objectContaining({ type: expect.stringMatching(/package-rejected$/) }),
    );
  });

  it('has the limits of the contract', () => {
    expect(WEIGHT_LIMITS_KG).toEqual({ Small: 2, Medium: 5, Large: 10 });
  });
});

describe('packageIdOf', () => {
  it('derives the same package id from the same delivery id', () => {
    expect(packageIdOf('d-1')).toBe(packageIdOf('d-1'));
    expect(packageIdOf('d-1')).not.toBe(packageIdOf('d-2'));
  });
});
