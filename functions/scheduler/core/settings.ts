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
    breaker: {
      // 5 consecutive transient failures (more than one message's retries) mean the service is
      // down, not flaky: stop calling it so it can recover and our messages fail fast.
      consecutiveFailures: 5,
      // After 10 s one probe goes through; if it succeeds the circuit closes. Short enough that a
      // recovered service is used again within one SQS redelivery round.
      halfOpenAfterMs: 10_000,
    },
  },
  /** The public API handlers: a client waits, so they give up fast and answer 503 (retry-safe). */
  ingest: {
    // API Gateway gives up after 30 s; a client should hear back in a couple of seconds.
    timeoutMs: 2_000,
    retry: { maxAttempts: 2, baseDelayMs: 50, maxDelayMs: 200, reserveMs: 2_500 },
    breaker: { consecutiveFailures: 5, halfOpenAfterMs: 10_000 },
  },
  /** Visibility of a failed workflow message: min(2^receiveCount, 60) seconds before SQS redelivers it. */
  redelivery: {
    // Doubling per receive gives a recovering downstream room (2, 4, 8, 16, 32 s), capped at a
    // minute so a message still reaches the DLQ (maxReceiveCount) within minutes, not hours.
    maxVisibilitySeconds: 60,
  },
} as const satisfies {
  workflow: CallerResilience;
  ingest: CallerResilience;
  redelivery: { maxVisibilitySeconds: number };
};

/** Seconds a failed message stays invisible before its next delivery: exponential in its receive count. */
export function redeliveryDelaySeconds(
  receiveCount: number,
  maxSeconds: number = SCHEDULER_RESILIENCE.redelivery.maxVisibilitySeconds,
): number {
  const count = Number.isFinite(receiveCount) && receiveCount > 0 ? Math.floor(receiveCount) : 1;
  return Math.min(2 ** Math.min(count, 30), maxSeconds);
}
