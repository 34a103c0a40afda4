// The journal of accepted asynchronous invocations: an `Event` invocation is on disk before `Invoke`
// answers, with its attempts and next retry as they happen, so that a start resumes what the last run
// left (docs/architecture.md §6, "Nothing accepted is lost").
import { type Journal, JournalFileError, openJournal } from '../durability/journal.ts';
import type { LocalLogger } from '../model.ts';

/** An asynchronous invocation not yet finished, as the journal keeps it (keyed by request id). */
export interface PendingInvocation {
  functionName: string;
  requestId: string;
  event: unknown;
  receivedAt: number;
  /** Attempts begun. */
  attempts: number;
  /** When the next attempt is due (epoch ms), while waiting after a failed one. */
  retryAt?: number;
}

/** The journal, and the invocations the last run left, to resume. */
export interface AsyncJournal {
  journal: Journal;
  restored: Array<{ id: string; pending: PendingInvocation }>;
}

// An attempt under way when the local cloud stopped counts as failed, as an environment that crashed
// does on AWS; the function's retry settings decide what follows.
export const INTERRUPTED = {
  ok: false as const,
  errorType: 'Runtime.ExitError',
  errorMessage: 'The local cloud stopped during the invocation',
};

/**
 * Opens the journal at `path` (in memory only without it) and reads what it holds; throws
 * `JournalFileError` on an entry that is not a pending invocation.
 */
export function openAsyncJournal(path: string | undefined, log: LocalLogger): AsyncJournal {
  const journal = openJournal({
    describes: 'pending asynchronous Lambda invocations',
    log,
    ...(path ? { path } : {}),
  });
  const restored = [...journal.restored].map(([id, pending]) => {
    if (!isPendingInvocation(pending)) {
      throw new JournalFileError(
        `${path}: the pending invocation ${id} is malformed; delete the journal (or the whole state folder) to start without it`,
      );
    }
    return { id, pending };
  });
  return { journal, restored };
}

function isPendingInvocation(value: unknown): value is PendingInvocation {
  if (typeof value !== 'object' || value === null) return false;
  const pending = value as Partial<PendingInvocation>;
  return (
    typeof pending.functionName === 'string' &&
    typeof pending.requestId === 'string' &&
    'event' in pending &&
    typeof pending.receivedAt === 'number' &&
    typeof pending.attempts === 'number' &&
    (pending.retryAt === undefined || typeof pending.retryAt === 'number')
  );
}
