import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDebouncer } from './debounce.ts';

// Bursts of changes become one batch; separate bursts stay separate.

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('createDebouncer', () => {
  it('hands over a burst once, with each item once, in order, and when the first came', () => {
    const flush = vi.fn();
    let now = 1000;
    const debouncer = createDebouncer<string>(50, flush, () => now);

    debouncer.add('a.ts');
    now = 1030;
    vi.advanceTimersByTime(30);
    debouncer.add('b.ts');
    debouncer.add('a.ts');
    vi.advanceTimersByTime(49);
    const beforeQuiet = flush.mock.calls.length;
    vi.advanceTimersByTime(1);

    expect(beforeQuiet).toBe(0);
    expect(flush).toHaveBeenCalledTimes(1);
    expect(flush).toHaveBeenCalledWith(['a.ts', 'b.ts'], 1000);
  });

  it('hands over bursts separated by a quiet spell as separate batches', () => {
    const flush = vi.fn();
    const debouncer = createDebouncer<string>(50, flush, () => 0);

    debouncer.add('a.ts');
    vi.advanceTimersByTime(60);
    debouncer.add('b.ts');
    vi.advanceTimersByTime(60);

    expect(flush.mock.calls.map(([items]) => items)).toEqual([['a.ts'], ['b.ts']]);
  });

  it('drops the batch under way when cancelled', () => {
    const flush = vi.fn();
    const debouncer = createDebouncer<string>(50, flush);

    debouncer.add('a.ts');
    debouncer.cancel();
    vi.advanceTimersByTime(100);

    expect(flush).not.toHaveBeenCalled();
  });
});
