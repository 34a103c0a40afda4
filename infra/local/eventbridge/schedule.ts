// Schedule expressions of EventBridge rules, `rate(value unit)` and `cron(...)`, and their next firing.

/** A schedule expression AWS would refuse (answered as a `ValidationException`). */
export class ScheduleExpressionError extends Error {
  override readonly name = 'ValidationException';
  constructor(expression: string, reason: string) {
    super(`Parameter ScheduleExpression is not valid: ${expression} (${reason})`);
  }
}

export type Schedule =
  | { kind: 'rate'; expression: string; periodMs: number }
  | { kind: 'cron'; expression: string; cron: CronSpec };

interface DayOfMonthSpec {
  any: boolean;
  days: Set<number>;
  last: boolean;
  lastWeekday: boolean;
  nearestWeekday: number[];
}

interface DayOfWeekSpec {
  any: boolean;
  days: Set<number>;
  /** `nL`: the last day-of-week n of the month. */
  lastOf: number[];
  /** `n#k`: the k-th day-of-week n of the month. */
  nth: [number, number][];
}

interface CronSpec {
  minutes: number[];
  hours: number[];
  dayOfMonth: DayOfMonthSpec;
  months: Set<number>;
  dayOfWeek: DayOfWeekSpec;
  years: Set<number>;
}

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MIN_YEAR = 1970;
const MAX_YEAR = 2199;

/** Parses a rule's `ScheduleExpression`; throws ScheduleExpressionError when AWS would refuse it. */
export function parseSchedule(expression: string): Schedule {
  const rate = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/.exec(expression.trim());
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2] as string;
    const singular = !unit.endsWith('s');
    if (value < 1) throw new ScheduleExpressionError(expression, 'the value must be a positive integer');
    // AWS wants the singular unit for 1 and the plural one otherwise.
    if (singular !== (value === 1)) {
      throw new ScheduleExpressionError(expression, 'use a singular unit for 1 and a plural unit otherwise');
    }
    const unitMs = UNIT_MS[singular ? unit : unit.slice(0, -1)] as number;
    return { kind: 'rate', expression, periodMs: value * unitMs };
  }
  const cron = /^cron\((.*)\)$/.exec(expression.trim());
  if (cron) return { kind: 'cron', expression, cron: parseCron(expression, (cron[1] as string).trim()) };
  throw new ScheduleExpressionError(expression, 'expected rate(...) or cron(...)');
}

// AWS's cron has six fields (Minutes Hours Day-of-month Month Day-of-week Year, UTC), and one of the two
// day fields must be `?`.
function parseCron(expression: string, body: string): CronSpec {
  const fields = body.split(/\s+/);
  if (fields.length !== 6) throw new ScheduleExpressionError(expression, 'cron needs six fields');
  const [min, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) {
    throw new ScheduleExpressionError(expression, 'exactly one of day-of-month and day-of-week must be ?');
  }
  const fail = (reason: string): never => {
    throw new ScheduleExpressionError(expression, reason);
  };
  return {
    minutes: [...parseList(min, 0, 59, [], fail)].sort((a, b) => a - b),
    hours: [...parseList(hour, 0, 23, [], fail)].sort((a, b) => a - b),
    dayOfMonth: parseDayOfMonth(dom, fail),
    months: parseList(month, 1, 12, MONTH_NAMES, fail),
    dayOfWeek: parseDayOfWeek(dow, fail),
    years: parseList(year, MIN_YEAR, MAX_YEAR, [], fail),
  };
}

function parseValue(
  text: string,
  min: number,
  max: number,
  names: string[],
  fail: (r: string) => never,
): number {
  const byName = names.indexOf(text.toUpperCase());
  const value = byName >= 0 ? byName + min : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) fail(`${text} is not in ${min}-${max}`);
  return value;
}

function parseList(field: string, min: number, max: number, names: string[], fail: (r: string) => never) {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [rangeText, stepText, extra] = part.split('/');
    if (rangeText === undefined || rangeText === '' || extra !== undefined) fail(`bad element ${part}`);
    const step = stepText === undefined ? 1 : parseValue(stepText, 1, max - min + 1, [], fail);
    let start: number;
    let end: number;
    if (rangeText === '*') {
      start = min;
      end = max;
    } else if (rangeText?.includes('-')) {
      const [a, b] = rangeText.split('-') as [string, string];
      start = parseValue(a, min, max, names, fail);
      end = parseValue(b, min, max, names, fail);
    } else {
      start = parseValue(rangeText as string, min, max, names, fail);
      end = stepText === undefined ? start : max;
    }
    // A range may wrap around (FRI-MON, 22-2).
    const span = end >= start ? end - start : end + (max - min + 1) - start;
    for (let offset = 0; offset <= span; offset += step) {
      values.add(((start - min + offset) % (max - min + 1)) + min);
    }
  }
  return values;
}

function parseDayOfMonth(field: string, fail: (r: string) => never): DayOfMonthSpec {
  const spec: DayOfMonthSpec = {
    any: field === '?',
    days: new Set(),
    last: false,
    lastWeekday: false,
    nearestWeekday: [],
  };
  if (spec.any) return spec;
  const plain: string[] = [];
  for (const part of field.split(',')) {
    if (part === 'L') spec.last = true;
    else if (part === 'LW') spec.lastWeekday = true;
    else if (/^\d+W$/.test(part)) spec.nearestWeekday.push(parseValue(part.slice(0, -1), 1, 31, [], fail));
    else plain.push(part);
  }
  if (plain.length > 0) spec.days = parseList(plain.join(','), 1, 31, [], fail);
  return spec;
}

function parseDayOfWeek(field: string, fail: (r: string) => never): DayOfWeekSpec {
  const spec: DayOfWeekSpec = { any: field === '?', days: new Set(), lastOf: [], nth: [] };
  if (spec.any) return spec;
  const plain: string[] = [];
  for (const part of field.split(',')) {
    const nth = /^(\w+)#(\d)$/.exec(part);
    const last = /^(\w+)L$/.exec(part);
    if (part === 'L') spec.days.add(7);
    else if (nth)
      spec.nth.push([
        parseValue(nth[1] as string, 1, 7, DAY_NAMES, fail),
        parseValue(nth[2] as string, 1, 5, [], fail),
      ]);
    else if (last) spec.lastOf.push(parseValue(last[1] as string, 1, 7, DAY_NAMES, fail));
    else plain.push(part);
  }
  if (plain.length > 0)
    for (const day of parseList(plain.join(','), 1, 7, DAY_NAMES, fail)) spec.days.add(day);
  return spec;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** AWS numbers days of week 1 (Sunday) to 7 (Saturday). */
function dayOfWeek(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

function isWeekday(year: number, month: number, day: number): boolean {
  const dow = dayOfWeek(year, month, day);
  return dow >= 2 && dow <= 6;
}

function nearestWeekday(year: number, month: number, day: number): number {
  const lastDay = daysInMonth(year, month);
  const target = Math.min(day, lastDay);
  const dow = dayOfWeek(year, month, target);
  if (dow === 7) return target === 1 ? 3 : target - 1; // Saturday: Friday, or Monday when on the 1st
  if (dow === 1) return target === lastDay ? target - 2 : target + 1; // Sunday: Monday, or Friday at month end
  return target;
}

function dayMatches(cron: CronSpec, year: number, month: number, day: number): boolean {
  const dom = cron.dayOfMonth;
  if (!dom.any) {
    const lastDay = daysInMonth(year, month);
    if (dom.days.has(day)) return true;
    if (dom.last && day === lastDay) return true;
    if (dom.lastWeekday) {
      let lastWeekday = lastDay;
      while (!isWeekday(year, month, lastWeekday)) lastWeekday--;
      if (day === lastWeekday) return true;
    }
    return dom.nearestWeekday.some((wanted) => nearestWeekday(year, month, wanted) === day);
  }
  const dow = cron.dayOfWeek;
  const weekday = dayOfWeek(year, month, day);
  if (dow.days.has(weekday)) return true;
  if (dow.lastOf.includes(weekday) && day + 7 > daysInMonth(year, month)) return true;
  return dow.nth.some(([wanted, k]) => wanted === weekday && Math.ceil(day / 7) === k);
}

/** The first firing strictly after `after` (cron: the next matching minute; rate: one period later). */
export function nextFireTime(schedule: Schedule, after: Date): Date | undefined {
  if (schedule.kind === 'rate') return new Date(after.getTime() + schedule.periodMs);
  const cron = schedule.cron;
  const start = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
  let year = start.getUTCFullYear();
  let month = start.getUTCMonth() + 1;
  let day = start.getUTCDate();
  let firstDay = true;
  while (year <= MAX_YEAR) {
    if (!cron.years.has(year)) {
      year++;
      month = 1;
      day = 1;
      firstDay = false;
      continue;
    }
    if (!cron.months.has(month) || day > daysInMonth(year, month)) {
      month++;
      day = 1;
      firstDay = false;
      if (month > 12) {
        month = 1;
        year++;
      }
      continue;
    }
    if (dayMatches(cron, year, month, day)) {
      for (const hour of cron.hours) {
        if (firstDay && hour < start.getUTCHours()) continue;
        for (const minute of cron.minutes) {
          if (firstDay && hour === start.getUTCHours() && minute < start.getUTCMinutes()) continue;
          return new Date(Date.UTC(year, month - 1, day, hour, minute));
        }
      }
    }
    day++;
    firstDay = false;
  }
  return undefined;
}
