// Schedule expressions: rate() and cron() parsing, refusals and next firing times.
import { describe, expect, it } from 'vitest';
import { nextFireTime, parseSchedule, ScheduleExpressionError } from './schedule.ts';

function next(expression: string, after: string): string | undefined {
  return nextFireTime(parseSchedule(expression), new Date(after))?.toISOString();
}

describe('rate expressions', () => {
  it.each([
    ['rate(1 minute)', 60_000],
    ['rate(5 minutes)', 300_000],
    ['rate(1 hour)', 3_600_000],
    ['rate(2 hours)', 7_200_000],
    ['rate(1 day)', 86_400_000],
    ['rate(7 days)', 604_800_000],
  ])('%s has a period of %i ms', (expression, periodMs) => {
    // Prepare, act
    const schedule = parseSchedule(expression);
    // Assess
    expect(schedule).toMatchObject({ kind: 'rate', periodMs });
  });

  it('fires one period after the given time', () => {
    // Prepare, act, assess
    expect(next('rate(5 minutes)', '2026-01-01T00:00:30Z')).toBe('2026-01-01T00:05:30.000Z');
  });

  it.each([
    'rate(1 minutes)',
    'rate(5 minute)',
    'rate(0 minutes)',
    'rate(1 second)',
    'rate(-1 day)',
    'every 5 minutes',
  ])('refuses %s', (expression) => {
    // Prepare, act, assess
    expect(() => parseSchedule(expression)).toThrow(ScheduleExpressionError);
  });
});

describe('cron expressions', () => {
  it.each([
    ['every minute', 'cron(* * * * ? *)', '2026-01-01T10:15:30Z', '2026-01-01T10:16:00.000Z'],
    [
      'the next minute even on an exact boundary',
      'cron(* * * * ? *)',
      '2026-01-01T10:15:00Z',
      '2026-01-01T10:16:00.000Z',
    ],
    ['a fixed time later today', 'cron(0 12 * * ? *)', '2026-01-01T10:15:00Z', '2026-01-01T12:00:00.000Z'],
    [
      'a fixed time tomorrow when today is past',
      'cron(0 9 * * ? *)',
      '2026-01-01T10:15:00Z',
      '2026-01-02T09:00:00.000Z',
    ],
    ['a step of minutes', 'cron(0/15 * * * ? *)', '2026-01-01T10:16:00Z', '2026-01-01T10:30:00.000Z'],
    ['a list of hours', 'cron(0 8,17 * * ? *)', '2026-01-01T09:00:00Z', '2026-01-01T17:00:00.000Z'],
    ['a range of hours', 'cron(30 9-11 * * ? *)', '2026-01-01T11:31:00Z', '2026-01-02T09:30:00.000Z'],
    ['a day of month', 'cron(0 0 15 * ? *)', '2026-01-20T00:00:00Z', '2026-02-15T00:00:00.000Z'],
    [
      'the last day of the month (L)',
      'cron(0 0 L * ? *)',
      '2026-02-01T00:00:00Z',
      '2026-02-28T00:00:00.000Z',
    ],
    [
      'the last weekday of the month (LW)',
      'cron(0 0 LW * ? *)',
      '2026-05-01T00:00:00Z',
      '2026-05-29T00:00:00.000Z',
    ],
    [
      'the nearest weekday to a Saturday (W)',
      'cron(0 0 15W * ? *)',
      '2026-08-01T00:00:00Z',
      '2026-08-14T00:00:00.000Z',
    ],
    [
      'the nearest weekday to a Sunday (W)',
      'cron(0 0 15W * ? *)',
      '2026-03-01T00:00:00Z',
      '2026-03-16T00:00:00.000Z',
    ],
    ['a month by name', 'cron(0 0 1 MAR ? *)', '2026-01-01T00:00:00Z', '2026-03-01T00:00:00.000Z'],
    [
      'weekdays by name (MON-FRI)',
      'cron(0 8 ? * MON-FRI *)',
      '2026-01-02T09:00:00Z',
      '2026-01-05T08:00:00.000Z',
    ],
    [
      'a day of week by number (1 = Sunday)',
      'cron(0 8 ? * 1 *)',
      '2026-01-01T00:00:00Z',
      '2026-01-04T08:00:00.000Z',
    ],
    ['the nth day of week (#)', 'cron(0 0 ? * 2#2 *)', '2026-01-01T00:00:00Z', '2026-01-12T00:00:00.000Z'],
    [
      'the last given day of week (6L)',
      'cron(0 0 ? * 6L *)',
      '2026-01-01T00:00:00Z',
      '2026-01-30T00:00:00.000Z',
    ],
    [
      'a wrapping range of days (FRI-MON)',
      'cron(0 0 ? * FRI-MON *)',
      '2026-01-06T00:00:00Z',
      '2026-01-09T00:00:00.000Z',
    ],
    ['a given year', 'cron(0 0 1 1 ? 2028)', '2026-06-01T00:00:00Z', '2028-01-01T00:00:00.000Z'],
    ['February 29th', 'cron(0 0 29 2 ? *)', '2026-01-01T00:00:00Z', '2028-02-29T00:00:00.000Z'],
  ])('%s: %s after %s is %s', (_name, expression, after, expected) => {
    // Prepare, act, assess
    expect(next(expression, after)).toBe(expected);
  });

  it('has no next firing when the years are all past', () => {
    // Prepare, act, assess
    expect(next('cron(0 0 1 1 ? 2020)', '2026-01-01T00:00:00Z')).toBeUndefined();
  });

  it.each([
    ['five fields', 'cron(0 12 * * ?)'],
    ['both day fields set', 'cron(0 12 1 * MON *)'],
    ['neither day field ?', 'cron(0 12 * * * *)'],
    ['both day fields ?', 'cron(0 12 ? * ? *)'],
    ['a minute out of range', 'cron(60 12 * * ? *)'],
    ['an hour out of range', 'cron(0 24 * * ? *)'],
    ['an unknown month name', 'cron(0 0 1 FOO ? *)'],
    ['a year out of range', 'cron(0 0 1 1 ? 2300)'],
  ])('refuses %s', (_name, expression) => {
    // Prepare, act, assess
    expect(() => parseSchedule(expression)).toThrow(ScheduleExpressionError);
  });
});
