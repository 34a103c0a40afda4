import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import { isTransient } from './errors.ts';
import { logger, metrics } from './observability.ts';

/** Retry bounds: attempts, backoff, and the time that must stay free in the invocation. */
export interface RetryOptions {
  /** Total attempts including the first. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Time left in the invocation; no retry starts that could not finish before it runs out. */
  remainingTimeMs: () => number;
  /** Time kept free for the attempt itself and for the handler to answer. */
  reserveMs: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (attempt: number, delayMs: number, error: unknown) => void;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Full-jitter exponential delay before retry number `attempt` (1-based): uniform in [0, min(max, base·2^(attempt-1))]. */
export function fullJitterDelay(
  attempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Runs `fn`, retrying transient failures with full jitter, bounded by attempts and remaining time. */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions,
  shouldRetry: (error: unknown) => boolean = isTransient,
): Promise<T> {
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      // An open circuit will not close within this invocation: retrying only burns time.
      if (error instanceof BrokenCircuitError || attempt >= options.maxAttempts || !shouldRetry(error))
        throw error;
      const delayMs = fullJitterDelay(attempt, options.baseDelayMs, options.maxDelayMs, random);
      if (options.remainingTimeMs() - delayMs < options.reserveMs) throw error;
      options.onRetry?.(attempt, delayMs, error);
      await sleep(delayMs);
    }
  }
}

/** Circuit breaker thresholds for one downstream. */
export interface BreakerOptions {
  /** Consecutive transient failures that open the circuit. */
  consecutiveFailures: number;
  /** How long the circuit stays open before one probe is let through. */
  halfOpenAfterMs: number;
}

/** A downstream dependency guarded by retries and its own circuit breaker. */
export interface Downstream {
  readonly name: string;
  call<T>(fn: () => Promise<T>, remainingTimeMs: () => number): Promise<T>;
  state(): 'closed' | 'open' | 'half-open' | 'isolated';
}

const STATE_NAMES = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
} as const;

/** Builds a downstream whose breaker lives as long as the execution environment (shared by invocations). */
export function createDownstream(
  name: string,
  breaker: BreakerOptions,
  retryOptions: Omit<RetryOptions, 'remainingTimeMs' | 'onRetry'>,
): Downstream {
  const policy = circuitBreaker(handleWhen(isTransient), {
    halfOpenAfter: breaker.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(breaker.consecutiveFailures),
  });
  policy.onStateChange((state) => {
    const stateName = STATE_NAMES[state];
    logger.warn('circuit state changed', { downstream: name, circuitState: stateName });
    // Its own metric object: the dimension must not spill onto the invocation's other metrics.
    const circuit = metrics.singleMetric();
    circuit.addDimension('downstream', name);
    circuit.addMetric('CircuitOpen', MetricUnit.Count, state === CircuitState.Open ? 1 : 0);
  });
  return {
    name,
    state: () => STATE_NAMES[policy.state],
    call(fn, remainingTimeMs) {
      return retry(() => policy.execute(fn), {
        ...retryOptions,
        remainingTimeMs,
        onRetry: (attempt, delayMs, error) => {
          logger.info('retrying downstream call', {
            downstream: name,
            attempt,
            delayMs,
            error: error instanceof Error ? error.message : String(error),
          });
          metrics.addMetric(`Retry_${name}`, MetricUnit.Count, 1);
        },
      });
    },
  };
}
