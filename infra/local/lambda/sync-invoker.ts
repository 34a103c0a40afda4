// One invocation of a function in an execution environment, as a `RequestResponse` invocation runs:
// faults and throttling first, then the handler with its deadline, and the START, END and REPORT lines.
import { randomBytes } from 'node:crypto';
import type { Meter } from '../metering/meter.ts';
import { billedDurationMs } from '../metering/units.ts';
import type { InvokeResult, LocalLogger } from '../model.ts';
import { applyFaults, type FunctionFault } from './fault-injection.ts';
import type { FunctionConfig } from './function-config.ts';
import type { FunctionLog } from './function-logs.ts';
import type { Environment, WorkerPool, WorkerReply } from './worker-pool.ts';

/** A function with its execution environments and its log. */
export interface HostedFunction extends FunctionConfig {
  pool: WorkerPool;
  logs: FunctionLog;
}

export interface SyncInvokerOptions {
  log: LocalLogger;
  /** The faults in force. */
  faults(): readonly FunctionFault[];
  /** Aborted when the host stops: invocations then fail with `ServiceException`. */
  signal: AbortSignal;
  /** Counts each invocation that ran in an environment for the bill (metering/). */
  meter?: Pick<Meter, 'invocation'>;
}

/** Runs one invocation of a function, the request id given; resolves with its result. */
export type RunInvocation = (
  fn: HostedFunction,
  eventJson: string,
  requestId: string,
) => Promise<InvokeResult>;

/** Creates the runner of single invocations. */
export function createSyncInvoker(options: SyncInvokerOptions): RunInvocation {
  const { log, signal } = options;

  return async function runOnce(fn, eventJson, requestId) {
    const { injected, abortAfterMs } = await applyFaults(options.faults(), fn, requestId, log, fn.logs);
    if (injected) return injected;
    if (fn.concurrency === 0) {
      return { ok: false, errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.' };
    }
    if (signal.aborted) return stoppedResult();
    let env: Environment;
    try {
      env = await fn.pool.acquire();
    } catch {
      return stoppedResult();
    }
    env.busy = true;
    try {
      const init = await env.ready;
      if (!init.ok) {
        fn.logs.emit(
          `INIT_REPORT Init Duration: ${env.initDurationMs.toFixed(2)} ms Phase: init Status: error`,
        );
        if (!env.dead) fn.pool.kill(env);
        return { ok: false, errorType: init.errorType, errorMessage: init.errorMessage };
      }
      return await runInEnvironment(fn, env, eventJson, requestId, abortAfterMs);
    } finally {
      fn.pool.release(env);
    }
  };

  async function runInEnvironment(
    fn: HostedFunction,
    env: Environment,
    eventJson: string,
    requestId: string,
    abortAfterMs?: number,
  ): Promise<InvokeResult> {
    const coldStart = !env.used;
    env.used = true;
    const startedAt = performance.now();
    const timeoutMs = fn.timeoutSeconds * 1000;
    fn.logs.emit(`START RequestId: ${requestId} Version: $LATEST`);
    let timer: NodeJS.Timeout | undefined;
    let abortTimer: NodeJS.Timeout | undefined;
    const reply = await new Promise<WorkerReply | 'timeout' | 'abort'>((resolve) => {
      env.pending = resolve;
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      if (abortAfterMs !== undefined && abortAfterMs < timeoutMs) {
        abortTimer = setTimeout(() => resolve('abort'), abortAfterMs);
      }
      env.worker.postMessage({
        type: 'invoke',
        requestId,
        event: eventJson,
        deadline: Date.now() + timeoutMs,
        traceId: traceHeader(),
        context: {
          functionName: fn.name,
          functionVersion: '$LATEST',
          invokedFunctionArn: fn.arn,
          memoryLimitInMB: String(fn.memoryMb),
          logGroupName: `/aws/lambda/${fn.name}`,
          logStreamName: env.logStreamName,
        },
      });
    });
    clearTimeout(timer);
    clearTimeout(abortTimer);
    const durationMs = performance.now() - startedAt;
    let result: InvokeResult;
    if (reply === 'abort') {
      // The process dies mid-invocation: its worker goes, and with it any call still in flight.
      env.pending = undefined;
      fn.pool.kill(env);
      log.warn('fault injected: abort', { function: fn.name, requestId, abortAfterMs });
      fn.logs.emit(`fault injected: abort after ${abortAfterMs} ms RequestId: ${requestId}`);
      fn.logs.emit(`RequestId: ${requestId} Error: Runtime exited with error: signal: killed`);
      result = {
        ok: false,
        errorType: 'Runtime.ExitError',
        errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: signal: killed`,
      };
    } else if (reply === 'timeout') {
      // As on AWS, a timed-out environment is not reused: the next invocation starts a fresh one.
      env.pending = undefined;
      fn.pool.kill(env);
      const seconds = fn.timeoutSeconds.toFixed(2);
      fn.logs.emit(`${new Date().toISOString()} ${requestId} Task timed out after ${seconds} seconds`);
      result = {
        ok: false,
        errorType: 'Sandbox.Timedout',
        errorMessage: `Task timed out after ${seconds} seconds`,
        timedOut: true,
      };
    } else if (reply.ok) {
      result = { ok: true, payload: JSON.parse(reply.payload ?? 'null') };
    } else {
      result = {
        ok: false,
        errorType: reply.errorType ?? 'Error',
        errorMessage: reply.errorMessage ?? '',
      };
    }
    const initDurationMs = coldStart ? env.initDurationMs : 0;
    const memoryUsed = reply === 'timeout' ? fn.memoryMb : reply === 'abort' ? 0 : (reply.heapUsedMb ?? 0);
    const report = [
      `REPORT RequestId: ${requestId}`,
      `Duration: ${durationMs.toFixed(2)} ms`,
      // Since August 2025 Lambda bills a cold start's init phase with the invocation, for every runtime.
      `Billed Duration: ${billedDurationMs(durationMs, initDurationMs)} ms`,
      `Memory Size: ${fn.memoryMb} MB`,
      `Max Memory Used: ${memoryUsed} MB`,
      ...(coldStart ? [`Init Duration: ${env.initDurationMs.toFixed(2)} ms`] : []),
      ...(reply === 'timeout' ? ['Status: timeout'] : []),
      ...(reply === 'abort' ? ['Status: error\tError Type: Runtime.ExitError'] : []),
    ];
    // One write for both lines.
    fn.logs.emit(`END RequestId: ${requestId}\n${report.join('\t')}`);
    // The invocation's log is complete once it returns: START, its output, END and REPORT go out in one write.
    fn.logs.flush();
    options.meter?.invocation(fn, durationMs, initDurationMs);
    return result;
  }
}

function stoppedResult(): InvokeResult {
  return { ok: false, errorType: 'ServiceException', errorMessage: 'The local Lambda service stopped' };
}

// X-Ray's trace header as Lambda sets it in `_X_AMZN_TRACE_ID` (not sampled locally).
function traceHeader(): string {
  const epoch = Math.floor(Date.now() / 1000)
    .toString(16)
    .padStart(8, '0');
  const random = randomBytes(20).toString('hex');
  return `Root=1-${epoch}-${random.slice(0, 24)};Parent=${random.slice(24)};Sampled=0`;
}
