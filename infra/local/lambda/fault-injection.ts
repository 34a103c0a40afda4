// Faults injected into a function's invocations, like AWS FIS's Lambda actions: errors, added
// latency, and execution environments killed partway through.
import { setTimeout as sleep } from 'node:timers/promises';
import type { InvokeResult, LocalLogger } from '../model.ts';
import type { FunctionLog } from './function-logs.ts';

/** A fault injected before invocations of the matching functions, like AWS FIS's Lambda actions. */
export interface FunctionFault {
  /** A function's logical id, or a substring of its name. */
  function: string;
  /** Share of invocations (0..1) that fail with `InjectedFault` without running the handler. */
  errorRate?: number;
  /** Delay added before each invocation. */
  latencyMs?: number;
  /**
   * Kills the execution environment this many milliseconds into an invocation, as if the process
   * crashed or was cut off: the invocation fails with `Runtime.ExitError` and the next one starts
   * a fresh environment. Whatever the handler had done by then stays done.
   */
  abortAfterMs?: number;
  /** Share of invocations (0..1) that `abortAfterMs` applies to (default 1). */
  abortRate?: number;
}

/** What the faults decided for one invocation. */
export interface FaultOutcome {
  /** The result of an injected error, in place of running the handler. */
  injected?: InvokeResult;
  /** When to kill the environment, for the invoker to carry out. */
  abortAfterMs?: number;
}

/** Applies the faults that match a function before one of its invocations (waiting out any latency). */
export async function applyFaults(
  faults: readonly FunctionFault[],
  fn: { logicalId: string; name: string },
  requestId: string,
  log: LocalLogger,
  logs: FunctionLog,
): Promise<FaultOutcome> {
  let abortAfterMs: number | undefined;
  for (const fault of faults) {
    if (fault.function !== fn.logicalId && !fn.name.includes(fault.function)) continue;
    if (fault.latencyMs && fault.latencyMs > 0) {
      log.warn('fault injected: latency', { function: fn.name, requestId, latencyMs: fault.latencyMs });
      logs.emit(`fault injected: latency ${fault.latencyMs} ms RequestId: ${requestId}`);
      await sleep(fault.latencyMs);
    }
    if (fault.errorRate && Math.random() < fault.errorRate) {
      log.warn('fault injected: error', { function: fn.name, requestId, errorRate: fault.errorRate });
      logs.emit(`fault injected: error RequestId: ${requestId}`);
      return {
        injected: { ok: false, errorType: 'InjectedFault', errorMessage: `Fault injected into ${fn.name}` },
      };
    }
    if (fault.abortAfterMs !== undefined && fault.abortAfterMs >= 0 && abortAfterMs === undefined) {
      if (Math.random() < (fault.abortRate ?? 1)) abortAfterMs = fault.abortAfterMs;
    }
  }
  return abortAfterMs === undefined ? {} : { abortAfterMs };
}
