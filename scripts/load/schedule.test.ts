import { describe, expect, it } from 'vitest';
import { followedIndices, lagMs, POLL_BACKOFF, pollDelayMs, sendOffsetsMs } from './schedule.ts';

describe('sendOffsetsMs', () => {
  it('spaces rate × duration sends evenly from 0, independent of any answer', () => {
    expect(sendOffsetsMs(5, 1)).toEqual([0, 200, 400, 600, 800]);
    const offsets = sendOffsetsMs(5, 30);
    expect(offsets).toHaveLength(150);
    expect(offsets.at(-1)).toBe(29_800);
  });

  it('handles fractional rates and rounds the count down', () => {
    expect(sendOffsetsMs(0.5, 5)).toEqual([0, 2000]);
    expect(sendOffsetsMs(0.5, 6)).toEqual([0, 2000, 4000]);
    expect(sendOffsetsMs(3, 0.5)).toEqual([0]);
    // 0.1 × 30 is 3.0000000000000004 in floating point, 2.9999… in other cases: still 3 sends.
    expect(sendOffsetsMs(0.1, 30)).toHaveLength(3);
    expect(sendOffsetsMs(0.7, 10)).toHaveLength(7);
  });
});

describe('lagMs', () => {
  it('is how far past its slot a send started, never negative', () => {
    expect(lagMs(1000, 1250)).toBe(250);
    expect(lagMs(1000, 990)).toBe(0);
  });
});

describe('followedIndices', () => {
  it('follows every request when there are fewer than the limit', () => {
    expect([...followedIndices(3, 50)]).toEqual([0, 1, 2]);
  });

  it('spreads the sample over the whole run', () => {
    const chosen = [...followedIndices(150, 50)];
    expect(chosen).toHaveLength(50);
    expect(chosen.slice(0, 3)).toEqual([0, 3, 6]);
    expect(chosen.at(-1)).toBe(147);
    expect([...followedIndices(1000, 3)]).toEqual([0, 333, 666]);
  });

  it('follows none when asked for none', () => {
    expect(followedIndices(100, 0).size).toBe(0);
    expect(followedIndices(0, 10).size).toBe(0);
  });
});

describe('pollDelayMs', () => {
  it('grows geometrically from the first pause to the cap', () => {
    expect(pollDelayMs(0)).toBe(POLL_BACKOFF.firstMs);
    expect(pollDelayMs(1)).toBe(375);
    expect(pollDelayMs(2)).toBe(562.5);
    expect(pollDelayMs(20)).toBe(POLL_BACKOFF.maxMs);
  });
});
