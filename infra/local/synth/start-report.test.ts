import { describe, expect, it } from 'vitest';
import { readyLine } from '../cloud.ts';
import { formatLogLine } from '../log.ts';
import type { SynthesisOutcome } from './cache.ts';
import { createStartTimer, formatStartReport, infoMessageOf, isReadyLine } from './start-report.ts';

const at = new Date('2026-12-01T10:00:00.000Z');

describe('infoMessageOf', () => {
  it('reads the message of an INFO line without its fields', () => {
    const line = formatLogLine(
      'info',
      'dynamodb tables ready',
      { created: ['Orders'], kept: [] },
      undefined,
      at,
    );

    expect(infoMessageOf(line)).toBe('dynamodb tables ready');
  });

  it('reads the message of a component INFO line', () => {
    const line = formatLogLine('info', 'queues ready', { queues: 3 }, 'sqs', at);

    expect(infoMessageOf(line)).toBe('queues ready');
  });

  it.each([
    ['a warning', formatLogLine('warn', 'slow start', undefined, undefined, at)],
    ['function output', '{"level":"INFO","message":"seeded"}'],
  ])('ignores %s', (_what, line) => {
    expect(infoMessageOf(line)).toBeUndefined();
  });
});

describe('isReadyLine', () => {
  it("knows the local cloud's ready line", () => {
    const line = readyLine({ edge: 'http://127.0.0.1:4566', apis: [] });

    expect(isReadyLine(line)).toBe(true);
  });

  it('does not take other output that says ready for it', () => {
    expect(isReadyLine('{"message":"account already ready"}')).toBe(false);
  });
});

describe('createStartTimer', () => {
  it('gives each phase the time since the previous message, adds up repeats, and ends with ready', () => {
    const timer = createStartTimer(1_000);
    const info = (message: string) => formatLogLine('info', message, { n: 1 }, undefined, at);

    timer.observe(info('stack loaded'), 1_500);
    timer.observe(info('dynamodb tables ready'), 4_500);
    timer.observe('function output between the lines', 4_700);
    timer.observe(info('trigger ran'), 5_000);
    timer.observe(info('trigger ran'), 6_000);
    const phases = timer.phases(6_250);

    expect(phases).toEqual([
      { message: 'stack loaded', count: 1, seconds: 0.5 },
      { message: 'dynamodb tables ready', count: 1, seconds: 3 },
      { message: 'trigger ran', count: 2, seconds: 1.5 },
      { message: 'ready', count: 1, seconds: 0.25 },
    ]);
  });
});

describe('formatStartReport', () => {
  it('tells the total, the synthesis and the phases of the local cloud', () => {
    const synthesis: SynthesisOutcome = {
      outdir: '/app/cdk.out',
      synthesized: false,
      reason: 'nothing it is made from changed',
      key: 'k',
      checkSeconds: 0.12,
      synthSeconds: 0,
    };

    const line = formatStartReport({
      totalSeconds: 7.04,
      synthesis,
      cloudSeconds: 6.5,
      phases: [
        { message: 'stack loaded', count: 1, seconds: 1.2 },
        { message: 'trigger ran', count: 2, seconds: 3.1 },
        { message: 'ready', count: 1, seconds: 0.25 },
      ],
    });

    expect(line).toBe(
      'started in 7.0 s: synthesis skipped: nothing it is made from changed (checked in 0.1 s); ' +
        'local cloud 6.5 s (stack loaded 1.2 s, trigger ran (×2) 3.1 s, ready 0.3 s)',
    );
  });
});
