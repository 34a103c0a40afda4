// The local Lambda service: runs each AWS::Lambda::Function of a resolved stack in execution
// environments, synchronously or through Lambda's queue for asynchronous invocations. It puts together
// the function configuration (function-config.ts), the environments (worker-pool.ts), the invokers
// (sync-invoker.ts, async-invoker.ts) and fault injection (fault-injection.ts).
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { Meter } from '../metering/meter.ts';
import type {
  InvokeOptions,
  InvokeResult,
  LambdaInvoker,
  LocalLogger,
  QueueSender,
  ResolvedStack,
} from '../model.ts';
import { createAsyncInvoker } from './async-invoker.ts';
import { openAsyncJournal } from './async-journal.ts';
import type { FunctionFault } from './fault-injection.ts';
import { functionFinder, readFunctions } from './function-config.ts';
import { coalesce, createFunctionLog } from './function-logs.ts';
import { findSdkBase } from './sdk-path.ts';
import { createSyncInvoker, type HostedFunction } from './sync-invoker.ts';
import { createWorkerPool } from './worker-pool.ts';

export type { FunctionFault } from './fault-injection.ts';

/** What the host knows of one function, for listings and tools. */
export interface LambdaFunctionInfo {
  logicalId: string;
  name: string;
  arn: string;
  handler: string;
  runtime: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** `ReservedConcurrentExecutions` if the template sets it. */
  reservedConcurrency: number | undefined;
  /** The number of environments that may run at once. */
  concurrency: number;
  /** Live execution environments (warm or busy). */
  environments: number;
  busy: number;
}

export interface LambdaHostOptions {
  stack: ResolvedStack;
  /** The local AWS endpoint the functions' SDK clients talk to. */
  edgeUrl: string;
  /** Each function's own access key, so that its signed calls identify it. */
  credentialsFor(functionName: string): { accessKeyId: string; secretAccessKey: string };
  log: LocalLogger;
  /** Each function's output is appended to `<logDir>/<functionName>.log`. */
  logDir: string;
  /** Concurrency of functions without `ReservedConcurrentExecutions` (default 10). */
  defaultConcurrency?: number;
  /**
   * Delays before the first and second retry of a failed asynchronous invocation. AWS waits about
   * 1 minute and then 2 minutes; the local default is 1 s and 2 s so that failures surface quickly.
   */
  asyncRetryDelaysMs?: [number, number];
  /** Delivers asynchronous failure records and dead letters to SQS destinations. */
  queueSender?: QueueSender;
  /** Where the functions' output is echoed, each line prefixed with `[FunctionName]` (default stderr). */
  output?: NodeJS.WritableStream;
  /**
   * Base path of the journal of pending asynchronous invocations (the local cloud gives
   * `<stateDir>/lambda/async-invocations`); without it they live in memory only.
   */
  journalPath?: string;
  /** Counts invocations and log bytes for the bill (metering/). */
  meter?: Pick<Meter, 'invocation' | 'logWritten'>;
}

/** The local Lambda service. */
export interface LambdaHost extends LambdaInvoker {
  functions(): LambdaFunctionInfo[];
  setFaults(faults: FunctionFault[]): void;
  getFaults(): FunctionFault[];
  /** Resumes the asynchronous invocations the last run left; call once the rest of the cloud is up. */
  start(): void;
  /** Terminates every environment; pending asynchronous invocations are kept for the next start. */
  stop(): Promise<void>;
}

/** The local Lambda service with the code swap hot reload uses (reload/hot-reload.ts). */
export interface LocalLambdaHost extends LambdaHost {
  /**
   * Runs a function's new invocations on the code in `codeDir`: invocations under way finish on the
   * old code, whose environments are then retired. Resolves once none is left; throws for an unknown function.
   */
  replaceCode(functionRef: string, codeDir: string): Promise<void>;
}

/** Creates the local Lambda service for the functions of a resolved stack. */
export function createLambdaHost(options: LambdaHostOptions): LocalLambdaHost {
  const { log } = options;
  // One coalesced sink for every function's echo: its writes of one event-loop turn go out as one.
  const output = coalesce(options.output ?? process.stderr);
  const stopController = new AbortController();
  const { signal } = stopController;
  let faults: FunctionFault[] = [];
  mkdirSync(options.logDir, { recursive: true });
  const journal = openAsyncJournal(options.journalPath, log);
  const sdkBase = findSdkBase();
  const functions: HostedFunction[] = readFunctions(options).map((config) => {
    const meter = options.meter;
    const onWrite = meter && ((bytes: number, lines: number) => meter.logWritten(config.name, bytes, lines));
    const logs = createFunctionLog(config.name, options.logDir, output, onWrite);
    return { ...config, logs, pool: createWorkerPool(config, logs, { signal, sdkBase }) };
  });
  const findFunction = functionFinder(functions);
  const runOnce = createSyncInvoker({
    log,
    faults: () => faults,
    signal,
    ...(options.meter ? { meter: options.meter } : {}),
  });
  const asyncInvoker = createAsyncInvoker({
    journal,
    run: runOnce,
    retryDelaysMs: options.asyncRetryDelaysMs ?? [1000, 2000],
    queueSender: options.queueSender,
    log,
    signal,
  });

  async function invoke(
    functionRef: string,
    event: unknown,
    invokeOptions?: InvokeOptions,
  ): Promise<InvokeResult> {
    const fn = findFunction(functionRef);
    if (!fn) {
      return {
        ok: false,
        errorType: 'ResourceNotFoundException',
        errorMessage: `Function not found: ${functionRef}`,
      };
    }
    const eventJson = JSON.stringify(event ?? null);
    if (invokeOptions?.invocationType === 'Event') return asyncInvoker.accept(fn, eventJson);
    return runOnce(fn, eventJson, randomUUID());
  }

  return {
    invoke,
    functions: () =>
      functions.map((fn) => ({
        logicalId: fn.logicalId,
        name: fn.name,
        arn: fn.arn,
        handler: fn.handler,
        runtime: fn.runtime,
        timeoutSeconds: fn.timeoutSeconds,
        memoryMb: fn.memoryMb,
        reservedConcurrency: fn.reserved,
        concurrency: fn.concurrency,
        environments: fn.pool.live.size,
        busy: [...fn.pool.live].filter((env) => env.busy).length,
      })),
    setFaults(next) {
      faults = next.map((fault) => ({ ...fault }));
      log.info('faults set', { faults });
    },
    getFaults: () => faults.map((fault) => ({ ...fault })),
    replaceCode(functionRef, codeDir) {
      const fn = findFunction(functionRef);
      if (!fn) throw new Error(`Function not found: ${functionRef}`);
      fn.codeDir = codeDir;
      return fn.pool.replaceCode(codeDir);
    },
    start() {
      asyncInvoker.resume(findFunction);
    },
    async stop() {
      stopController.abort();
      const stopped = new Error('The local Lambda service stopped');
      const exits = functions.map((fn) => fn.pool.stop(stopped));
      await Promise.allSettled([...exits, ...asyncInvoker.inFlight()]);
      await journal.journal.close();
      await Promise.all(functions.map((fn) => fn.logs.close()));
    },
  };
}
