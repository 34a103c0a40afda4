import type { LocalLogger } from './model.ts';

export interface ConsoleLoggerOptions {
  /** Where lines go; stderr by default so that stdout stays free for the `ready` line and tool output. */
  write?: (line: string) => void;
  /** A short prefix naming the part that logs (for example `sqs`). */
  component?: string;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  if (value instanceof Error) return JSON.stringify(value.message);
  return JSON.stringify(value) ?? String(value);
}

/** Formats one log line: time, level, component, message, then `key=value` fields. */
export function formatLogLine(
  level: 'info' | 'warn' | 'error',
  message: string,
  fields?: Record<string, unknown>,
  component?: string,
  now: Date = new Date(),
): string {
  const time = now.toISOString().slice(11, 23);
  const head = `${time} ${level.toUpperCase().padEnd(5)}${component ? ` [${component}]` : ''} ${message}`;
  const tail = Object.entries(fields ?? {})
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${formatValue(value)}`)
    .join(' ');
  return tail ? `${head} ${tail}` : head;
}

/** Creates the local cloud's logger: one concise line per message on stderr. */
export function createConsoleLogger(options: ConsoleLoggerOptions = {}): LocalLogger {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const log = (level: 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) =>
    write(formatLogLine(level, message, fields, options.component));
  return { info: log('info'), warn: log('warn'), error: log('error') };
}

/** A logger that drops everything (tests). */
export const silentLogger: LocalLogger = { info: () => {}, warn: () => {}, error: () => {} };
