// Lambda's internal queue for `Event` invocations: accepted once journaled (async-journal.ts), run in
// the background with the same request id across attempts, retried as the function's event invoke
// config says, then handed to its destinations (async-destinations.ts).
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InvokeResult, LocalLogger, QueueSender } from '../model.ts';
import { createAsyncDestinations } from './async-destinations.ts';
import { type AsyncJournal, INTERRUPTED, type PendingInvocation } from './async-journal.ts';
import type { HostedFunction, RunInvocation } from './sync-invoker.ts';

export interface AsyncInvokerOptions {
  /** The journal of pending invocations, and what the last run left in it. */
  journal: AsyncJournal;
  /** Runs one attempt. */
  run: RunInvocation;
  /** Delays before the first and the second retry. */
  retryDelaysMs: [number, number];
  queueSender: QueueSender | undefined;
  log: LocalLogger;
  /** Aborted when the host stops: waiting retries stay in the journal for the next start. */
  signal: AbortSignal;
}

export interface AsyncInvoker {
  /** Journals an `Event` invocation, answers once it is on disk, and runs it in the background. */
  accept(fn: HostedFunction, eventJson: string): Promise<InvokeResult>;
  /** Resumes the invocations the last run left, finding their functions by name. */
  resume(find: (name: string) => HostedFunction | undefined): void;
  /** The invocations under way, for a stop to wait for. */
  inFlight(): Promise<void>[];
}

/** Creates the asynchronous invoker over the journal. */
export function createAsyncInvoker(options: AsyncInvokerOptions): AsyncInvoker {
  const { run, log, signal } = options;
  const { journal } = options.journal;
  const toResume = [...options.journal.restored];
  const retryDelays = options.retryDelaysMs;
  const destinations = createAsyncDestinations(log, options.queueSender);
  const backgroundJobs = new Set<Promise<void>>();

  // Each attempt and retry time is written to the journal lazily: losing one repeats an attempt.
  async function runAsync(fn: HostedFunction, id: string, pending: PendingInvocation): Promise<void> {
    const { requestId, receivedAt, event } = pending;
    const eventJson = JSON.stringify(event ?? null);
    const { maximumRetryAttempts, maximumEventAgeSeconds } = fn.asyncConfig;
    let failed: (InvokeResult & { ok: false }) | undefined;
    // Resumed after a restart: wait out the retry it was waiting for, or count the interrupted attempt.
    let waitMs: number | undefined;
    if (pending.retryAt !== undefined) waitMs = Math.max(0, pending.retryAt - Date.now());
    else if (pending.attempts > 0) failed = INTERRUPTED;
    for (;;) {
      if (failed && waitMs === undefined) {
        if (pending.attempts > maximumRetryAttempts) {
          await destinations.failed(fn, requestId, event, 'RetriesExhausted', pending.attempts, failed);
          journal.delete(id);
          return;
        }
        const delay = retryDelays[Math.min(pending.attempts - 1, retryDelays.length - 1)] ?? 0;
        if (Date.now() + delay - receivedAt > maximumEventAgeSeconds * 1000) {
          await destinations.failed(fn, requestId, event, 'EventAgeExceeded', pending.attempts, failed);
          journal.delete(id);
          return;
        }
        log.warn('asynchronous invocation failed; retrying', {
          function: fn.name,
          requestId,
          attempt: pending.attempts,
          delayMs: delay,
          errorType: failed.errorType,
        });
        pending.retryAt = Date.now() + delay;
        journal.set(id, pending);
        waitMs = delay;
      }
      if (waitMs !== undefined) {
        try {
          await sleep(waitMs, undefined, { signal });
        } catch {
          // Stopping: the journal keeps the invocation for the next start.
          return;
        }
        waitMs = undefined;
      }
      pending.attempts++;
      delete pending.retryAt;
      journal.set(id, pending);
      const result = await run(fn, eventJson, requestId);
      if (result.ok) {
        await destinations.succeeded(fn, requestId, event, pending.attempts, result);
        journal.delete(id);
        return;
      }
      // Cut off by the stop: the next start counts this attempt as interrupted.
      if (signal.aborted) return;
      failed = result;
    }
  }

  function startAsync(fn: HostedFunction, id: string, pending: PendingInvocation): void {
    const job = runAsync(fn, id, pending).catch((error: unknown) =>
      log.error('asynchronous invocation crashed', { function: fn.name, error: String(error) }),
    );
    backgroundJobs.add(job);
    void job.finally(() => backgroundJobs.delete(job));
  }

  return {
    async accept(fn, eventJson) {
      const requestId = randomUUID();
      const pending: PendingInvocation = {
        functionName: fn.name,
        requestId,
        event: JSON.parse(eventJson),
        receivedAt: Date.now(),
        attempts: 0,
      };
      journal.set(requestId, pending);
      // The caller's success answer promises the invocation: it is on disk first.
      try {
        await journal.commit();
      } catch (error) {
        journal.delete(requestId);
        return {
          ok: false,
          errorType: 'ServiceException',
          errorMessage: `The local Lambda service could not queue the invocation: ${(error as Error).message}`,
        };
      }
      startAsync(fn, requestId, pending);
      return { ok: true, payload: undefined };
    },
    resume(find) {
      for (const { id, pending } of toResume.splice(0)) {
        const fn = find(pending.functionName);
        if (!fn) {
          log.warn('pending asynchronous invocation dropped: the template no longer has its function', {
            function: pending.functionName,
            requestId: pending.requestId,
          });
          journal.delete(id);
          continue;
        }
        log.info('asynchronous invocation resumed', {
          function: fn.name,
          requestId: pending.requestId,
          attempts: pending.attempts,
        });
        startAsync(fn, id, pending);
      }
    },
    inFlight: () => [...backgroundJobs],
  };
}
