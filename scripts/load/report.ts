// What the load generator prints: a progress line per second, and the report at the end.
import { type Summary, summarize } from './stats.ts';

/** What the run counted so far. */
export interface LoadCounts {
  /** Seconds since the first send was due. */
  elapsedSeconds: number;
  /** Requests the timetable holds. */
  planned: number;
  sent: number;
  /** Sends that started more than the lateness allowance past their slot. */
  late: number;
  /** Answers by status code; `error` for a network failure, `timeout` for no answer in time. */
  answered: Record<string, number>;
  inFlight: number;
}

/** What the followed deliveries showed. */
export interface FollowCounts {
  followed: number;
  scheduled: number;
  completed: number;
  /** Followed deliveries that ended in another final stage (Failed, Cancelled), by stage. */
  ended: Record<string, number>;
}

function statusText(answered: Record<string, number>): string {
  const entries = Object.entries(answered).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return '-';
  return entries.map(([status, count]) => `${status}:${count}`).join(' ');
}

/** One progress line: elapsed time, sends, answers by status, requests in flight, followed deliveries. */
export function formatProgress(counts: LoadCounts, follow?: FollowCounts): string {
  const parts = [
    `${String(Math.round(counts.elapsedSeconds)).padStart(4)}s`,
    `sent ${counts.sent}/${counts.planned}`,
    `late ${counts.late}`,
    `answered ${statusText(counts.answered)}`,
    `in flight ${counts.inFlight}`,
  ];
  if (follow && follow.followed > 0) {
    parts.push(`followed ${follow.followed}: scheduled ${follow.scheduled}, completed ${follow.completed}`);
  }
  return parts.join('  ');
}

export interface LoadResult {
  rate: number;
  durationSeconds: number;
  url: string;
  counts: LoadCounts;
  /** The largest lag of a send past its slot, in ms. */
  maxLagMs: number;
  /** The allowance under which a send counts as on time, in ms. */
  lateAfterMs: number;
  postMs: readonly number[];
  toScheduledMs: readonly number[];
  toCompletedMs: readonly number[];
  follow: FollowCounts;
  /** Followed deliveries still short of a final stage when the wait ended. */
  unfinished: number;
  waitSeconds: number;
}

const ms = (value: number | undefined) => (value === undefined ? '-' : `${Math.round(value)}`);

function latencyRow(name: string, summary: Summary): string {
  return `${name.padEnd(24)}${String(summary.count).padStart(7)}${[
    summary.p50,
    summary.p95,
    summary.p99,
    summary.max,
  ]
    .map((value) => ms(value).padStart(9))
    .join('')}`;
}

/** The report of a run: the sends, the answers by status, and the latency percentiles in ms. */
export function formatReport(result: LoadResult): string {
  const { counts, follow } = result;
  const achieved = counts.sent / result.durationSeconds;
  const lines = [
    `Load: ${result.rate}/s for ${result.durationSeconds} s against ${result.url} (open model: each POST at its slot, whatever the answers)`,
    `Sent ${counts.sent} of ${counts.planned} (${achieved.toFixed(2)}/s); late by more than ${result.lateAfterMs} ms: ${counts.late} (largest lag ${Math.round(result.maxLagMs)} ms)`,
    `Answers by status: ${statusText(counts.answered)}${counts.inFlight > 0 ? `; still in flight: ${counts.inFlight}` : ''}`,
    `Followed ${follow.followed} deliveries (GET with backoff, a sample spread over the run): scheduled ${follow.scheduled}, completed ${follow.completed}${Object.keys(follow.ended).length > 0 ? `, ended otherwise ${statusText(follow.ended)}` : ''}${result.unfinished > 0 ? `, unfinished after ${result.waitSeconds} s wait: ${result.unfinished}` : ''}`,
    '',
    `${'latency (ms)'.padEnd(24)}${'count'.padStart(7)}${['p50', 'p95', 'p99', 'max'].map((name) => name.padStart(9)).join('')}`,
    latencyRow('POST /v1/deliveries', summarize(result.postMs)),
    latencyRow('POST to Scheduled', summarize(result.toScheduledMs)),
    latencyRow('POST to Completed', summarize(result.toCompletedMs)),
    '',
    'POST latency counts every answer (any status); timeouts and network errors are left out of it and',
    'counted by status above. The times to Scheduled and Completed run from the',
    "POST's send to the first poll that saw the stage (or a later one), so they include up to one poll",
    'interval (250 ms growing to 2 s).',
  ];
  return `${lines.join('\n')}\n`;
}
