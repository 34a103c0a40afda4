import { logger } from '../../../shared/observability.ts';
import type { RequestMessage, RequestQueue } from './messages.ts';
import type { RequestRecord, SchedulerStore, UnstartedEntry } from './store.ts';

// The sweeper (docs/architecture.md §5.1, "nothing accepted is ever left behind"): the ingest
// answers 202 once a request is stored, before its message is on the queue; a crash or a queue
// failure in between would leave it stored and never run. Every stored request and reschedule
// carries an unstarted marker (`sweepAt`) until the workflow starts it; the sweeper, run by a
// schedule every minute, sends the message again for every marker past due.
//
// Why sending again is safe: the message is rebuilt exactly as the ingest built it, so its
// deduplication id is the same and SQS FIFO drops a repeat within its 5-minute window; after
// that, the workflow's checkpoint turns a repeat into a no-op (or a resume). Why it is bounded:
// each run takes at most `limit` entries from a sparse index (Query, never Scan), and each entry
// it sends is pushed back with a growing delay, so a long queue backlog is not re-sent every minute.

export const SWEEP = {
  /**
   * How long after ingest a request may wait before the sweeper treats it as never enqueued. A
   * message normally starts within seconds; a minute leaves room for a burst waiting in the queue,
   * and a repeat within 5 minutes is dropped by the queue anyway.
   */
  graceSeconds: 60,
  /** The delay before sending an entry again doubles per attempt up to this cap. */
  maxDelaySeconds: 15 * 60,
  /** Entries per run: a run sends at most this many messages (two Lambda seconds of work). */
  limit: 100,
  /** A run stops taking entries when less time than this is left in its invocation. */
  reserveMs: 5_000,
} as const;

/** When the sweeper first looks at a request stored at `now`. */
export function firstSweepAt(now: Date): string {
  return new Date(now.getTime() + SWEEP.graceSeconds * 1000).toISOString();
}

/** When the sweeper looks again at an entry it has just sent for the `attempts`-th time (1-based). */
export function nextSweepAt(now: Date, attempts: number): string {
  const seconds = Math.min(SWEEP.graceSeconds * 2 ** Math.min(attempts, 20), SWEEP.maxDelaySeconds);
  return new Date(now.getTime() + seconds * 1000).toISOString();
}

/** The queue message of a stored schedule request (the same one the ingest sends). */
export function scheduleMessage(record: RequestRecord, fallbackCorrelationId: string): RequestMessage {
  return {
    deliveryId: record.deliveryId,
    operation: 'schedule',
    requestId: record.requestId,
    accountId: record.accountId,
    correlationId: record.correlationId ?? fallbackCorrelationId,
  };
}

export interface SweeperDeps {
  store: SchedulerStore;
  queue: Pick<RequestQueue, 'send'>;
  now: () => Date;
  /** Time left in the invocation. */
  remainingTimeMs: () => number;
  /** The correlation id of this run, for entries stored without one. */
  correlationId: string;
}

/** What one run did. */
export interface SweepReport {
  /** Entries past due that the run looked at. */
  due: number;
  /** Entries whose messages it sent again. */
  sent: number;
  /** Entries started (or taken by another run) between the index read and the claim. */
  skipped: number;
  /** Entries whose send failed; they stay marked and are tried again later. */
  failed: number;
}

/** Sends again the messages of requests and reschedules stored but not started by their due time. */
export async function sweepUnstarted(deps: SweeperDeps, limit: number = SWEEP.limit): Promise<SweepReport> {
  const now = deps.now();
  const due = await deps.store.findUnstarted(now.toISOString(), limit);
  const report: SweepReport = { due: due.length, sent: 0, skipped: 0, failed: 0 };
  for (const entry of due) {
    if (deps.remainingTimeMs() < SWEEP.reserveMs) break;
    const outcome = await sweepOne(deps, entry, now);
    report[outcome] += 1;
  }
  if (report.due > 0) logger.info('unstarted requests swept', { ...report });
  return report;
}

async function sweepOne(
  deps: SweeperDeps,
  entry: UnstartedEntry,
  now: Date,
): Promise<'sent' | 'skipped' | 'failed'> {
  const attempt = entry.sweepAttempts + 1;
  // Claim first, send second: a crash in between leaves the entry marked for a later run, and two
  // runs that read the same entry cannot both send it.
  if (!(await deps.store.deferSweep(entry, nextSweepAt(now, attempt)))) return 'skipped';
  const fields = {
    deliveryId: entry.deliveryId,
    operation: entry.operation,
    requestId: entry.requestId,
    attempt,
  };
  try {
    for (const message of await messagesFor(deps, entry)) await deps.queue.send(message);
  } catch (error) {
    logger.warn('could not send an unstarted request again; a later run retries', {
      ...fields,
      error: error as Error,
    });
    return 'failed';
  }
  // One attempt is the normal case of a crash between store and send; more mean the queue's
  // consumer is not getting to it, which an operator should hear about.
  if (attempt > 1) logger.warn('request still not started after being sent again', fields);
  else logger.info('unstarted request sent again', fields);
  return 'sent';
}

async function messagesFor(deps: SweeperDeps, entry: UnstartedEntry): Promise<RequestMessage[]> {
  const message: RequestMessage = {
    deliveryId: entry.deliveryId,
    operation: entry.operation,
    requestId: entry.requestId,
    accountId: entry.accountId,
    correlationId: entry.correlationId ?? deps.correlationId,
  };
  if (entry.operation === 'schedule') return [message];
  // A reschedule must not overtake its schedule in the delivery's message group: when the schedule
  // has not started either, its message goes first (a repeat of it is harmless, as above).
  const request = await deps.store.getRequest(entry.deliveryId);
  return request?.sweepAt === undefined ? [message] : [scheduleMessage(request, deps.correlationId), message];
}
