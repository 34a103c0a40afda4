// The trace view: every hop of one business key across the services, built from a correlation key.
// The correlation ids are those of the JSON log lines that mention the value; then every log line,
// EventBridge report and consumed queue message carrying one of them is a hop, in time order.

import { type LogEntry, readLogs } from './logs.ts';
import type { ConsumedRecord, TimedReport } from './observer.ts';
import { nameOfArn } from './topology.ts';

/** One hop: when, where (function or service), what, and the fields that say more. */
export interface TraceHop {
  time: string;
  source: string;
  message: string;
  fields: Record<string, string>;
}

export interface Trace {
  value: string;
  key: string;
  correlationIds: string[];
  hops: TraceHop[];
}

// Keys every Powertools line carries: they say nothing about this hop.
const STANDARD_KEYS = new Set([
  'message',
  'timestamp',
  'time',
  'service',
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
  'xray_trace_id',
  'sampling_rate',
]);
const MAX_VALUE = 160;

function short(text: string): string {
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

function fieldText(value: unknown): string {
  if (typeof value === 'string') return short(value);
  if (typeof value === 'object' && value !== null && 'message' in value) {
    const { name, message } = value as { name?: unknown; message?: unknown };
    return short(typeof name === 'string' ? `${name}: ${String(message)}` : String(message));
  }
  return short(JSON.stringify(value) ?? String(value));
}

/** The correlation ids of the JSON log lines that mention `value` (and `value` itself if it is one). */
export function correlationIdsFor(entries: LogEntry[], value: string, key: string): string[] {
  const ids = new Set<string>();
  for (const entry of entries) {
    const id = entry.json?.[key];
    if (typeof id !== 'string' || id === '') continue;
    if (id === value || entry.text.includes(value)) ids.add(id);
  }
  return [...ids];
}

/** The hops of the log lines carrying one of the correlation ids. */
export function logHops(entries: LogEntry[], ids: Set<string>, key: string): TraceHop[] {
  const hops: TraceHop[] = [];
  for (const entry of entries) {
    const json = entry.json;
    const id = json?.[key];
    if (!json || typeof id !== 'string' || !ids.has(id) || !entry.time) continue;
    const fields: Record<string, string> = {};
    for (const [name, value] of Object.entries(json)) {
      if (STANDARD_KEYS.has(name) || name === key || value === undefined) continue;
      if (name === 'level' && value === 'INFO') continue;
      fields[name] = fieldText(value);
    }
    hops.push({
      time: entry.time,
      source: entry.functionName,
      message: typeof json.message === 'string' ? json.message : '(no message)',
      fields,
    });
  }
  return hops;
}

function carries(text: string, ids: Set<string>): boolean {
  for (const id of ids) if (text.includes(id)) return true;
  return false;
}

/** The hops of EventBridge's reports about events that carry one of the correlation ids. */
export function eventHops(reports: TimedReport[], ids: Set<string>): TraceHop[] {
  const events = new Map<string, string>();
  const hops: TraceHop[] = [];
  for (const { at, report } of reports) {
    if (report.kind === 'matched') {
      if (!carries(JSON.stringify(report.event), ids)) continue;
      const label = `${report.event['detail-type']} (${report.event.source})`;
      events.set(report.eventId, label);
      const rules = report.matchedRules.map((rule) => rule.name);
      hops.push({
        time: at,
        source: `eventbridge:${report.eventBusName}`,
        message: `event ${label} ${rules.length > 0 ? `matched ${rules.join(', ')}` : 'matched no rule'}`,
        fields: {
          eventId: report.eventId,
          ...(report.replayName !== undefined ? { replay: report.replayName } : {}),
        },
      });
      continue;
    }
    const label = events.get(report.eventId);
    if (!label) continue;
    const fields: Record<string, string> = { eventId: report.eventId, retries: String(report.retries) };
    if (report.errorCode) fields.error = short(`${report.errorCode}: ${report.errorMessage ?? ''}`);
    if (report.deadLetterArn) fields.deadLetterQueue = nameOfArn(report.deadLetterArn);
    hops.push({
      time: at,
      source: `eventbridge:${report.ruleName}`,
      message: `${label} → ${nameOfArn(report.targetArn)}: ${report.outcome}`,
      fields,
    });
  }
  return hops;
}

/** The hops of queue messages carrying one of the correlation ids, as their consumers handled them. */
export function consumerHops(records: ConsumedRecord[], ids: Set<string>): TraceHop[] {
  return records
    .filter(
      (record) => carries(record.body, ids) || carries(Object.values(record.attributes).join('\n'), ids),
    )
    .map((record) => ({
      time: record.at,
      source: `sqs:${nameOfArn(record.queueArn)}`,
      message: `message → ${record.functionName}: ${record.ok ? 'processed' : 'failed'}${record.duplicate ? ' (injected duplicate)' : ''}`,
      fields: {
        messageId: record.messageId,
        receiveCount: String(record.receiveCount),
        ...(record.ok ? {} : { error: short(`${record.errorType}: ${record.errorMessage}`) }),
      },
    }));
}

/** Sorts hops by time, keeping the given order among equal times. */
export function sortHops(hops: TraceHop[]): TraceHop[] {
  return hops
    .map((hop, index) => ({ hop, index }))
    .sort((a, b) => a.hop.time.localeCompare(b.hop.time) || a.index - b.index)
    .map(({ hop }) => hop);
}

/** Builds the trace of a value from the functions' logs and, when the local cloud runs, its observations. */
export async function buildTrace(
  logDir: string,
  value: string,
  key: string,
  observed?: {
    reports: TimedReport[];
    consumed: ConsumedRecord[];
    /** Hops other parts of the local cloud saw for the correlation ids (the HTTP APIs' requests). */
    more?: (ids: ReadonlySet<string>) => TraceHop[];
  },
): Promise<Trace> {
  const entries = await readLogs(logDir);
  const correlationIds = correlationIdsFor(entries, value, key);
  const ids = new Set(correlationIds);
  const hops = logHops(entries, ids, key);
  if (observed && ids.size > 0) {
    hops.push(...eventHops(observed.reports, ids), ...consumerHops(observed.consumed, ids));
    if (observed.more) hops.push(...observed.more(ids));
  }
  return { value, key, correlationIds, hops: sortHops(hops) };
}

/** One line per hop: `time  source  message  key=value ...`. */
export function formatHop(hop: TraceHop, sourceWidth = 0): string {
  const fields = Object.entries(hop.fields)
    .map(([name, value]) => `${name}=${/\s/.test(value) ? JSON.stringify(value) : value}`)
    .join(' ');
  return `${hop.time}  ${hop.source.padEnd(sourceWidth)}  ${hop.message}${fields ? `  ${fields}` : ''}`;
}
