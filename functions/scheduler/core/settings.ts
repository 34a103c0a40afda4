import type { BreakerOptions, RetryOptions } from '../../../shared/resilience.ts';

type DownstreamRetry = Omit<RetryOptions, 'remainingTimeMs' | 'onRetry'>;

/** Resilience settings of one kind of caller: its call timeout, retries and circuit breakers. */
export interface CallerResilience {
  /** Time one internal API call may take before it is abandoned (a transient failure). */
  timeoutMs: number;
  retry: DownstreamRetry;
  breaker: BreakerOptions;
}

/**
 * The scheduler's resilience settings, in one place so the chaos suite and the README quote the
 * values the code runs with.
 */
export const SCHEDULER_RESILIENCE = {
  /** The Scheduler Agent (SQS workflow and supervisor): nobody waits on it, so it may insist. */
  workflow: {
    // An internal route answers in tens of milliseconds; 3 s means the callee is stuck, and a
    // fresh attempt has a better chance than waiting longer.
    timeoutMs: 3_000,
    retry: {
      // 4 attempts (1 + 3 retries) rides out a Lambda cold start or a throttled burst downstream;
      // beyond that the failure is not a blip, and SQS redelivery (with its own backoff) takes over.
      maxAttempts: 4,
      // Full jitter from 100 ms doubling to a 2 s cap: retries of a burst spread out instead of
      // hitting the recovering service in lockstep, and no single wait eats the invocation.
      baseDelayMs: 100,
      maxDelayMs: 2_000,
      // No retry starts unless a whole attempt (timeout) plus time to checkpoint and answer the
      // batch still fits in the invocation: a retry cut off by the Lambda timeout wastes the work.
      reserveMs: 4_000,
    },
    // A record of a batch starts only with this much of the invocation left: one run is a few
    // calls of up to `timeoutMs` each plus checkpoints; the records left are handed back and come
    // at once to the next invocation, instead of the whole batch timing out and coming back.
    recordStartReserveMs: 10_000,
    breaker: {
      // 5 consecutive transient failures (more than one message's retries) mean the service is
      // down, not flaky: stop calling it so it can recover and our messages fail fast.
      consecutiveFailures: 5,
      // After 10 s one probe goes through; if it succeeds the circuit closes. Short enough that a
      // recovered service is used again within one SQS redelivery round.
      halfOpenAfterMs: 10_000,
    },
  },
  // The public API handlers call no other service (core/ingest.ts), so they have no settings here.
  /** Visibility of a failed workflow message: min(2^receiveCount, 60) seconds before SQS redelivers it. */
  redelivery: {
    // Doubling per receive gives a recovering downstream room (2, 4, 8, 16, 32 s), capped at a
    // minute so a message still reaches the DLQ (maxReceiveCount) within minutes, not hours.
    maxVisibilitySeconds: 60,
  },
  /**
   * A schedule with no drone free for its window waits on the `delivery-waits` queue
   * (docs/architecture.md §5 4a) and tries again after a full-jitter delay: uniform in
   * [min, min(cap, base·2^(wait−1))] seconds, and never past the latest departure that still
   * meets its deadline.
   */
  waiting: {
    // A booking given up (a cancel, a failure, a reschedule) frees a drone at any moment: the first
    // retries come within seconds, so a short wait stays short.
    baseDelaySeconds: 4,
    // No attempt sooner than this: an immediate retry would meet the same bookings.
    minDelaySeconds: 1,
    // Two minutes between attempts at most: a freed drone is found within two minutes, while a
    // wait of hours costs a few dozen attempts an hour, not thousands.
    maxDelaySeconds: 120,
  },
} as const satisfies {
  workflow: CallerResilience & { recordStartReserveMs: number };
  redelivery: { maxVisibilitySeconds: number };
  waiting: { baseDelaySeconds: number; minDelaySeconds: number; maxDelaySeconds: number };
};

/**
 * Seconds until a waiting schedule's next attempt (wait number `attempt`, 1-based): full jitter,
 * bounded by the seconds left before its latest departure. When the Drone service said when the
 * first booking in the way ends (`secondsUntilFree`), the attempt comes no later than a second after
 * it: the backoff covers a booking given up early, the target the one that ends as planned, which
 * a backoff grown to minutes would otherwise find up to minutes late.
 */
export function waitDelaySeconds(
  attempt: number,
  secondsLeft: number,
  random: () => number = Math.random,
  settings: {
    baseDelaySeconds: number;
    minDelaySeconds: number;
    maxDelaySeconds: number;
  } = SCHEDULER_RESILIENCE.waiting,
  secondsUntilFree?: number,
): number {
  const count = Number.isFinite(attempt) && attempt > 0 ? Math.floor(attempt) : 1;
  const ceiling = Math.min(
    settings.maxDelaySeconds,
    settings.baseDelaySeconds * 2 ** Math.min(count - 1, 30),
  );
  const jittered = Math.max(settings.minDelaySeconds, Math.ceil(random() * ceiling));
  const targeted =
    secondsUntilFree === undefined || !Number.isFinite(secondsUntilFree)
      ? jittered
      : Math.min(jittered, Math.max(settings.minDelaySeconds, Math.ceil(secondsUntilFree) + 1));
  return Math.max(0, Math.min(targeted, Math.floor(secondsLeft)));
}

/** Seconds a failed message stays invisible before its next delivery: exponential in its receive count. */
export function redeliveryDelaySeconds(
  receiveCount: number,
  maxSeconds: number = SCHEDULER_RESILIENCE.redelivery.maxVisibilitySeconds,
): number {
  const count = Number.isFinite(receiveCount) && receiveCount > 0 ? Math.floor(receiveCount) : 1;
  return Math.min(2 ** Math.min(count, 30), maxSeconds);
}
