// Reading the functions' log files (`<logDir>/<functionName>.log`): Lambda's runtime lines and the
// application's JSON lines, with their times, for the trace view and the dead-letter queue tools.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One line of a function's log. */
export interface LogEntry {
  functionName: string;
  /** 1-based line number in its file, to keep the file order among lines of the same time. */
  line: number;
  text: string;
  /** The JSON object the line carries (structured application logs), if any. */
  json?: Record<string, unknown>;
  /** ISO time: the JSON's `timestamp`/`time`, else the time the runtime put in front of the line. */
  time?: string;
}

const LEADING_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)/;

/** Parses one log line: its JSON part and its time, when it has them. */
export function parseLogLine(functionName: string, line: number, text: string): LogEntry {
  const entry: LogEntry = { functionName, line, text };
  const start = text.indexOf('{');
  if (start >= 0 && text.trimEnd().endsWith('}')) {
    try {
      const parsed: unknown = JSON.parse(text.slice(start));
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        entry.json = parsed as Record<string, unknown>;
      }
    } catch {
      // Not JSON after all: the line is kept as text.
    }
  }
  const jsonTime = entry.json?.timestamp ?? entry.json?.time;
  if (typeof jsonTime === 'string' && !Number.isNaN(Date.parse(jsonTime))) {
    entry.time = new Date(jsonTime).toISOString();
  } else {
    const leading = LEADING_TIME.exec(text)?.[1];
    if (leading) entry.time = new Date(leading).toISOString();
  }
  return entry;
}

/** Reads every `*.log` file of a folder; an absent folder has no entries. */
export async function readLogs(logDir: string): Promise<LogEntry[]> {
  let names: string[];
  try {
    names = (await readdir(logDir)).filter((name) => name.endsWith('.log')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const entries: LogEntry[] = [];
  for (const name of names) {
    const functionName = name.slice(0, -'.log'.length);
    const text = await readFile(join(logDir, name), 'utf8');
    const lines = text.split('\n');
    for (const [index, line] of lines.entries()) {
      if (line.trim() !== '') entries.push(parseLogLine(functionName, index + 1, line));
    }
  }
  return entries;
}

function errorText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const { name, message } = value as { name?: unknown; message?: unknown };
    if (typeof message === 'string') return typeof name === 'string' ? `${name}: ${message}` : message;
  }
  return undefined;
}

/** The last error a consumer logged about each message id (JSON lines at level ERROR or WARN naming it). */
export function lastErrorsByMessageId(
  entries: LogEntry[],
  messageIds: Iterable<string>,
): Map<string, { functionName: string; time?: string; reason: string }> {
  const wanted = new Set(messageIds);
  const found = new Map<string, { functionName: string; time?: string; reason: string }>();
  for (const entry of entries) {
    const json = entry.json;
    if (!json) continue;
    const level = String(json.level ?? '').toUpperCase();
    if (level !== 'ERROR' && level !== 'WARN') continue;
    const messageId = typeof json.messageId === 'string' ? json.messageId : undefined;
    const id =
      messageId && wanted.has(messageId)
        ? messageId
        : [...wanted].find((candidate) => entry.text.includes(candidate));
    if (!id) continue;
    const detail = errorText(json.error) ?? errorText(json.reason) ?? errorText(json.errorMessage);
    const message = typeof json.message === 'string' ? json.message : 'error';
    found.set(id, {
      functionName: entry.functionName,
      ...(entry.time ? { time: entry.time } : {}),
      reason: detail ? `${message}: ${detail}` : message,
    });
  }
  return found;
}
