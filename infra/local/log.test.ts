import { describe, expect, it } from 'vitest';
import { createConsoleLogger, formatLogLine } from './log.ts';

describe('formatLogLine', () => {
  it('writes time, level, component, message and quoted fields on one line', () => {
    const line = formatLogLine(
      'warn',
      'queue slow',
      { queue: 'jobs', detail: 'two words' },
      'sqs',
      new Date('2026-01-01T10:11:12.345Z'),
    );

    expect(line).toBe('10:11:12.345 WARN  [sqs] queue slow queue=jobs detail="two words"');
  });
});

describe('createConsoleLogger', () => {
  it('sends each message to the writer it was given', () => {
    const lines: string[] = [];
    const log = createConsoleLogger({ write: (line) => lines.push(line) });

    log.error('boom', { code: 3 });

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ERROR boom code=3$/);
  });
});
