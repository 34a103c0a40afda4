import { describe, expect, it } from 'vitest';
import { currentCorrelationId, sanitizeCorrelationId, withCorrelationId } from './correlation.ts';

describe('correlation', () => {
  it('keeps the id for the work run under it, including after awaits', async () => {
    const seen = await withCorrelationId('abc-1', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return currentCorrelationId();
    });

    expect(seen).toBe('abc-1');
  });

  it('mints a fresh id outside any work', () => {
    expect(currentCorrelationId()).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('accepts plain ids and refuses odd ones', () => {
    expect(sanitizeCorrelationId('req-1.a:b_c')).toBe('req-1.a:b_c');
    expect(sanitizeCorrelationId('ba9/3G6q+khaQ==')).toBe('ba9/3G6q+khaQ==');
    expect(sanitizeCorrelationId('has space')).toBeUndefined();
    expect(sanitizeCorrelationId('x'.repeat(129))).toBeUndefined();
    expect(sanitizeCorrelationId(undefined)).toBeUndefined();
  });
});
