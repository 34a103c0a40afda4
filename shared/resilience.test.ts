import { afterEach, describe, expect, it, vi } from 'vitest';
import { DownstreamError } from './errors.ts';
import { createDownstream, fullJitterDelay, retry } from './resilience.ts';

const transient = () => new DownstreamError('svc', 'unavailable', true, 503);
const permanent = () => new DownstreamError('svc', 'refused', false, 422);
const noSleep = async () => undefined;

describe('fullJitterDelay', () => {
  it('stays within [0, min(cap, base * 2^(n-1))]', () => {
    expect(fullJitterDelay(1, 100, 2000, () => 0.999)).toBe(99);
    expect(fullJitterDelay(3, 100, 2000, () => 0.5)).toBe(200);
    expect(fullJitterDelay(10, 100, 2000, () => 0.999)).toBe(1998);
    expect(fullJitterDelay(4, 100, 2000, () => 0)).toBe(0);
  });
});

describe('retry', () => {
  const options = {
    maxAttempts: 4,
    baseDelayMs: 100,
    maxDelayMs: 2000,
    reserveMs: 1000,
    sleep: noSleep,
    remainingTimeMs: () => 30_000,
  };

  it('retries a transient failure and then succeeds', async () => {
    const fn = vi
      .fn()
      .mockRejectedValueOnce(transient())
      .mockRejectedValueOnce(transient())
      .mockResolvedValue('ok');

    await expect(retry(fn, options)).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('gives up after the attempt bound', async () => {
    const fn = vi.fn().mockRejectedValue(transient());

    await expect(retry(fn, options)).rejects.toThrow('unavailable');
    expect(fn).toHaveBeenCalledTimes(4);
  });

  it('does not retry a non-transient failure', async () => {
    const fn = vi.fn().mockRejectedValue(permanent());

    await expect(retry(fn, options)).rejects.toThrow('refused');
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('stops when the invocation has no time left for another attempt', async () => {
    const fn = vi.fn().mockRejectedValue(transient());

    await expect(
      retry(fn, { ...options, remainingTimeMs: () => 1_050, random: () => 0.9 }),
    ).rejects.toThrow();
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('sleeps the jittered delay between attempts', async () => {
    const sleeps: number[] = [];
    const fn = vi
      .fn()
      .mockRejectedValueOnce(transient())
      .mockRejectedValueOnce(transient())
      .mockResolvedValue(1);

    await retry(fn, { ...options, random: () => 0.5, sleep: async (ms) => void sleeps.push(ms) });

    expect(sleeps).toEqual([50, 100]);
  });
});

describe('createDownstream', () => {
  afterEach(() => vi.useRealTimers());

  it('opens the circuit after consecutive failures and lets a probe through after the break', async () => {
    vi.useFakeTimers();
    const downstream = createDownstream(
      'package',
      { consecutiveFailures: 3, halfOpenAfterMs: 5_000 },
      { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, reserveMs: 0, sleep: noSleep },
    );
    const failing = vi.fn().mockRejectedValue(transient());
    for (let i = 0; i < 3; i++) {
      await expect(downstream.call(failing, () => 10_000)).rejects.toThrow('unavailable');
    }
    expect(downstream.state()).toBe('open');

    const healthy = vi.fn().mockResolvedValue('ok');
    await expect(downstream.call(healthy, () => 10_000)).rejects.toThrow(/open|broken/i);
    expect(healthy).not.toHaveBeenCalled();

    vi.advanceTimersByTime(5_001);
    await expect(downstream.call(healthy, () => 10_000)).resolves.toBe('ok');
    expect(healthy).toHaveBeenCalledTimes(1);
    expect(downstream.state()).toBe('closed');
  });

  it('does not count non-transient refusals against the circuit', async () => {
    const downstream = createDownstream(
      'accounts',
      { consecutiveFailures: 2, halfOpenAfterMs: 5_000 },
      { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, reserveMs: 0, sleep: noSleep },
    );
    const refusing = vi.fn().mockRejectedValue(permanent());

    for (let i = 0; i < 3; i++)
      await expect(downstream.call(refusing, () => 10_000)).rejects.toThrow('refused');

    expect(downstream.state()).toBe('closed');
  });

  it('retries within one call before giving up', async () => {
    const downstream = createDownstream(
      'drone',
      { consecutiveFailures: 10, halfOpenAfterMs: 5_000 },
      { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, reserveMs: 0, sleep: noSleep },
    );
    const flaky = vi.fn().mockRejectedValueOnce(transient()).mockResolvedValue('assigned');

    await expect(downstream.call(flaky, () => 10_000)).resolves.toBe('assigned');
    expect(flaky).toHaveBeenCalledTimes(2);
  });
});
