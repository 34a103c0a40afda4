import { describe, expect, it } from 'vitest';
import { formatProgress, formatReport, type LoadResult } from './report.ts';

const counts = {
  elapsedSeconds: 12.4,
  planned: 150,
  sent: 62,
  late: 1,
  answered: { '429': 2, '202': 58 },
  inFlight: 2,
};

describe('formatProgress', () => {
  it('shows elapsed time, sends, answers by status and requests in flight', () => {
    expect(formatProgress(counts)).toBe('  12s  sent 62/150  late 1  answered 202:58 429:2  in flight 2');
  });

  it('adds the followed deliveries once there are some', () => {
    expect(
      formatProgress({ ...counts, answered: {} }, { followed: 4, scheduled: 3, completed: 1, ended: {} }),
    ).toBe('  12s  sent 62/150  late 1  answered -  in flight 2  followed 4: scheduled 3, completed 1');
  });
});

describe('formatReport', () => {
  const result: LoadResult = {
    rate: 5,
    durationSeconds: 30,
    url: 'http://127.0.0.1:3000',
    counts: { ...counts, elapsedSeconds: 40, sent: 150, inFlight: 0, answered: { '202': 148, error: 2 } },
    maxLagMs: 130.4,
    lateAfterMs: 100,
    postMs: Array.from({ length: 100 }, (_, index) => index + 1),
    toScheduledMs: [900, 1100],
    toCompletedMs: [],
    follow: { followed: 2, scheduled: 2, completed: 0, ended: { Failed: 1 } },
    unfinished: 1,
    waitSeconds: 180,
  };

  it('states the run, the answers by status, the sample followed and the percentiles', () => {
    const lines = formatReport(result).split('\n');
    expect(lines[0]).toBe(
      'Load: 5/s for 30 s against http://127.0.0.1:3000 (open model: each POST at its slot, whatever the answers)',
    );
    expect(lines[1]).toBe('Sent 150 of 150 (5.00/s); late by more than 100 ms: 1 (largest lag 130 ms)');
    expect(lines[2]).toBe('Answers by status: 202:148 error:2');
    expect(lines[3]).toBe(
      'Followed 2 deliveries (GET with backoff, a sample spread over the run): scheduled 2, completed 0, ended otherwise Failed:1, unfinished after 180 s wait: 1',
    );
    expect(lines[5]).toBe('latency (ms)              count      p50      p95      p99      max');
    expect(lines[6]).toBe('POST /v1/deliveries         100       50       95       99      100');
    expect(lines[7]).toBe('POST to Scheduled             2      900     1100     1100     1100');
    expect(lines[8]).toBe('POST to Completed             0        -        -        -        -');
  });
});
