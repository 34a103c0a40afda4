// The local Lambda service: runs each AWS::Lambda::Function of a resolved stack in execution
// environments (one worker thread each), with AWS Lambda's environment, context, timeout,
// concurrency, asynchronous retries and destinations.
//
// An accepted asynchronous invocation is a promise, as on AWS where Lambda queues it: it is written
// to a journal before `invoke` answers, with its attempts and next retry as they happen, and
// start() resumes what the last run left (docs/architecture.md, "the local cloud").
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { JournalFileError, openJournal } from '../durability/journal.ts';
import type {
  InvokeOptions,
  InvokeResult,
  LambdaInvoker,
  LocalLogger,
  QueueSender,
  ResolvedResource,
  ResolvedStack,
} from '../model.ts';

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

/** An asynchronous invocation not yet finished, as the journal keeps it (keyed by request id). */
interface PendingInvocation {
  functionName: string;
  requestId: string;
  event: unknown;
  receivedAt: number;
  /** Attempts begun. */
  attempts: number;
  /** When the next attempt is due (epoch ms), while waiting after a failed one. */
  retryAt?: number;
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

// An attempt under way when the local cloud stopped counts as failed, as an environment that crashed
// does on AWS; the function's retry settings decide what follows.
const INTERRUPTED = {
  ok: false as const,
  errorType: 'Runtime.ExitError',
  errorMessage: 'The local cloud stopped during the invocation',
};

interface AsyncInvokeConfig {
  maximumRetryAttempts: number;
  maximumEventAgeSeconds: number;
  onFailure: string | undefined;
  onSuccess: string | undefined;
}

interface FunctionState {
  logicalId: string;
  name: string;
  arn: string;
  handler: string;
  runtime: string;
  codeDir: string | undefined;
  timeoutSeconds: number;
  memoryMb: number;
  reserved: number | undefined;
  concurrency: number;
  baseEnv: Record<string, string>;
  enableSourceMaps: boolean;
  deadLetterArn: string | undefined;
  asyncConfig: AsyncInvokeConfig;
  live: Set<Environment>;
  idle: Environment[];
  waiters: Array<{ resolve(env: Environment): void; reject(error: Error): void }>;
  logFile: WriteStream;
}

type InitOutcome = { ok: true } | { ok: false; errorType: string; errorMessage: string };

interface WorkerReply {
  type: 'result';
  requestId: string;
  ok: boolean;
  payload?: string;
  errorType?: string;
  errorMessage?: string;
  heapUsedMb?: number;
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'init-error'; errorType?: string; errorMessage?: string }
  | WorkerReply;

interface Environment {
  worker: Worker;
  logStreamName: string;
  ready: Promise<InitOutcome>;
  initDurationMs: number;
  /** Whether this environment has served an invocation (the first one reports the init duration). */
  used: boolean;
  dead: boolean;
  busy: boolean;
  pending: ((reply: WorkerReply) => void) | undefined;
}

const runtimeUrl = new URL('./runtime.mjs', import.meta.url);
const DEFAULT_TIMEOUT_SECONDS = 3;
const DEFAULT_MEMORY_MB = 128;
const DEFAULT_MAX_EVENT_AGE_SECONDS = 21_600;
const DEFAULT_RETRY_ATTEMPTS = 2;

/** Creates the local Lambda service for the functions of a resolved stack. */
export function createLambdaHost(options: LambdaHostOptions): LambdaHost {
  const { stack, log } = options;
  const output = options.output ?? process.stderr;
  const retryDelays = options.asyncRetryDelaysMs ?? [1000, 2000];
  const stopController = new AbortController();
  const backgroundJobs = new Set<Promise<void>>();
  let faults: FunctionFault[] = [];
  mkdirSync(options.logDir, { recursive: true });
  const journal = openJournal({
    describes: 'pending asynchronous Lambda invocations',
    log,
    ...(options.journalPath ? { path: options.journalPath } : {}),
  });
  const toResume = [...journal.restored].map(([id, pending]) => {
    if (!isPendingInvocation(pending)) {
      throw new JournalFileError(
        `${options.journalPath}: the pending invocation ${id} is malformed; delete the journal (or the whole state folder) to start without it`,
      );
    }
    return { id, pending };
  });

  const functions = new Map<string, FunctionState>();
  const byRef = new Map<string, FunctionState>();
  for (const resource of stack.resources.values()) {
    if (resource.type !== 'AWS::Lambda::Function') continue;
    const fn = describeFunction(resource);
    functions.set(fn.logicalId, fn);
    for (const key of [fn.logicalId, fn.name, fn.arn]) byRef.set(key, fn);
  }
  for (const resource of stack.resources.values()) {
    if (resource.type !== 'AWS::Lambda::EventInvokeConfig') continue;
    const fn = findFunction(String(resource.properties.FunctionName ?? ''));
    if (!fn) {
      log.warn('event invoke config for an unknown function', { logicalId: resource.logicalId });
      continue;
    }
    fn.asyncConfig = readAsyncConfig(resource.properties);
  }

  function describeFunction(resource: ResolvedResource): FunctionState {
    const p = resource.properties;
    const name = resource.physicalName;
    const arn =
      resource.attributes.Arn ?? `arn:aws:lambda:${stack.region}:${stack.accountId}:function:${name}`;
    const reserved = optionalNumber(p.ReservedConcurrentExecutions);
    const timeoutSeconds = optionalNumber(p.Timeout) ?? DEFAULT_TIMEOUT_SECONDS;
    const memoryMb = optionalNumber(p.MemorySize) ?? DEFAULT_MEMORY_MB;
    const runtime = typeof p.Runtime === 'string' ? p.Runtime : 'nodejs24.x';
    const handler = typeof p.Handler === 'string' ? p.Handler : 'index.handler';
    const codeDir = stack.functionCode.get(resource.logicalId);
    if (!runtime.startsWith('nodejs')) log.warn('runtime is not Node.js; trying anyway', { name, runtime });
    if (!codeDir) log.warn('no bundled code for function', { logicalId: resource.logicalId });
    const variables = stringRecord((p.Environment as { Variables?: unknown } | undefined)?.Variables);
    const credentials = options.credentialsFor(name);
    const baseEnv: Record<string, string> = {
      ...variables,
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      // The bundles target Lambda's newer Node.js; the SDK's warning about this host's Node.js
      // version says nothing about the function and would start every cold start's log.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      _HANDLER: handler,
      AWS_REGION: stack.region,
      AWS_DEFAULT_REGION: stack.region,
      AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      LAMBDA_TASK_ROOT: codeDir ?? '',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_ENDPOINT_URL: options.edgeUrl,
      AWS_ENDPOINT_URL_DYNAMODB: options.edgeUrl,
      AWS_ENDPOINT_URL_SQS: options.edgeUrl,
      AWS_ENDPOINT_URL_EVENTBRIDGE: options.edgeUrl,
      AWS_ENDPOINT_URL_LAMBDA: options.edgeUrl,
    };
    const deadLetter = (p.DeadLetterConfig as { TargetArn?: unknown } | undefined)?.TargetArn;
    return {
      logicalId: resource.logicalId,
      name,
      arn,
      handler,
      runtime,
      codeDir,
      timeoutSeconds,
      memoryMb,
      reserved,
      concurrency: reserved ?? options.defaultConcurrency ?? 10,
      baseEnv,
      enableSourceMaps: (variables.NODE_OPTIONS ?? '').includes('--enable-source-maps'),
      deadLetterArn: typeof deadLetter === 'string' ? deadLetter : undefined,
      asyncConfig: readAsyncConfig({}),
      live: new Set(),
      idle: [],
      waiters: [],
      logFile: createWriteStream(join(options.logDir, `${name}.log`), { flags: 'a' }),
    };
  }

  function findFunction(ref: string): FunctionState | undefined {
    const direct = byRef.get(ref);
    if (direct) return direct;
    // A qualified ARN (`...:function:name:$LATEST`) or a partial one (`123456789012:function:name`).
    const match = /(?:^|:)function:([^:]+)(?::[^:]+)?$/.exec(ref);
    return match?.[1] ? byRef.get(match[1]) : undefined;
  }

  function emit(fn: FunctionState, text: string): void {
    // Output can still drain from a terminated worker after stop() closed the log file.
    if (fn.logFile.writableEnded) return;
    for (const line of text.split(/\r\n|\r|\n/)) {
      fn.logFile.write(`${line}\n`);
      output.write(`[${fn.name}] ${line}\n`);
    }
  }

  function pipeLines(fn: FunctionState, stream: Readable): void {
    let buffer = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffer += chunk;
      const end = buffer.lastIndexOf('\n');
      if (end < 0) return;
      emit(fn, buffer.slice(0, end));
      buffer = buffer.slice(end + 1);
    });
    stream.on('end', () => {
      if (buffer) emit(fn, buffer);
      buffer = '';
    });
  }

  function spawn(fn: FunctionState): Environment {
    const logStreamName = `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;
    const startedAt = performance.now();
    const worker = new Worker(runtimeUrl, {
      env: { ...fn.baseEnv, AWS_LAMBDA_LOG_STREAM_NAME: logStreamName },
      execArgv: [],
      stdout: true,
      stderr: true,
      name: fn.name,
      resourceLimits: { maxOldGenerationSizeMb: fn.memoryMb },
      workerData: { codeDir: fn.codeDir ?? '', handler: fn.handler, enableSourceMaps: fn.enableSourceMaps },
    });
    pipeLines(fn, worker.stdout);
    pipeLines(fn, worker.stderr);
    let settleInit: (outcome: InitOutcome) => void = () => {};
    const env: Environment = {
      worker,
      logStreamName,
      ready: new Promise((resolve) => {
        settleInit = resolve;
      }),
      initDurationMs: 0,
      used: false,
      dead: false,
      busy: false,
      pending: undefined,
    };
    const die = (errorType: string, errorMessage: string) => {
      settleInit({ ok: false, errorType, errorMessage });
      if (!env.dead) {
        env.dead = true;
        discard(fn, env);
      }
      const pending = env.pending;
      env.pending = undefined;
      pending?.({ type: 'result', requestId: '', ok: false, errorType, errorMessage });
    };
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') {
        env.initDurationMs = performance.now() - startedAt;
        settleInit({ ok: true });
      } else if (message.type === 'init-error') {
        settleInit({
          ok: false,
          errorType: message.errorType ?? 'Runtime.Unknown',
          errorMessage: message.errorMessage ?? '',
        });
      } else if (message.type === 'result') {
        const pending = env.pending;
        env.pending = undefined;
        pending?.(message);
      }
    });
    worker.on('error', (error: Error) => {
      const outOfMemory = (error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
      die(outOfMemory ? 'Runtime.OutOfMemory' : error.name, error.message);
    });
    worker.on('exit', (code) => die('Runtime.ExitError', `Runtime exited with error: exit status ${code}`));
    fn.live.add(env);
    return env;
  }

  // Removes a dead environment; its concurrency slot goes to the next waiting invocation.
  function discard(fn: FunctionState, env: Environment): void {
    fn.live.delete(env);
    fn.idle = fn.idle.filter((candidate) => candidate !== env);
    void env.worker.terminate();
    if (!env.busy) handOver(fn);
  }

  function handOver(fn: FunctionState): void {
    const waiter = fn.waiters.shift();
    if (!waiter) return;
    const env = fn.idle.pop();
    if (env) waiter.resolve(env);
    else if (fn.live.size < fn.concurrency && !stopController.signal.aborted) waiter.resolve(spawn(fn));
    else fn.waiters.unshift(waiter);
  }

  function acquire(fn: FunctionState): Promise<Environment> {
    const idle = fn.idle.pop();
    if (idle) return Promise.resolve(idle);
    if (fn.live.size < fn.concurrency) return Promise.resolve(spawn(fn));
    return new Promise((resolve, reject) => fn.waiters.push({ resolve, reject }));
  }

  function release(fn: FunctionState, env: Environment): void {
    env.busy = false;
    if (env.dead) {
      handOver(fn);
      return;
    }
    fn.idle.push(env);
    handOver(fn);
  }

  // An injected error short-cuts the invocation; an abort is carried out by runInEnvironment.
  async function applyFaults(
    fn: FunctionState,
    requestId: string,
  ): Promise<{ injected?: InvokeResult; abortAfterMs?: number }> {
    let abortAfterMs: number | undefined;
    for (const fault of faults) {
      if (fault.function !== fn.logicalId && !fn.name.includes(fault.function)) continue;
      if (fault.latencyMs && fault.latencyMs > 0) {
        log.warn('fault injected: latency', { function: fn.name, requestId, latencyMs: fault.latencyMs });
        emit(fn, `fault injected: latency ${fault.latencyMs} ms RequestId: ${requestId}`);
        await sleep(fault.latencyMs);
      }
      if (fault.errorRate && Math.random() < fault.errorRate) {
        log.warn('fault injected: error', { function: fn.name, requestId, errorRate: fault.errorRate });
        emit(fn, `fault injected: error RequestId: ${requestId}`);
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

  async function runOnce(fn: FunctionState, eventJson: string, requestId: string): Promise<InvokeResult> {
    const { injected, abortAfterMs } = await applyFaults(fn, requestId);
    if (injected) return injected;
    if (fn.concurrency === 0) {
      return { ok: false, errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.' };
    }
    if (stopController.signal.aborted) return stoppedResult();
    let env: Environment;
    try {
      env = await acquire(fn);
    } catch {
      return stoppedResult();
    }
    env.busy = true;
    try {
      const init = await env.ready;
      if (!init.ok) {
        emit(fn, `INIT_REPORT Init Duration: ${env.initDurationMs.toFixed(2)} ms Phase: init Status: error`);
        if (!env.dead) {
          env.dead = true;
          discard(fn, env);
        }
        return { ok: false, errorType: init.errorType, errorMessage: init.errorMessage };
      }
      return await runInEnvironment(fn, env, eventJson, requestId, abortAfterMs);
    } finally {
      release(fn, env);
    }
  }

  async function runInEnvironment(
    fn: FunctionState,
    env: Environment,
    eventJson: string,
    requestId: string,
    abortAfterMs?: number,
  ): Promise<InvokeResult> {
    const coldStart = !env.used;
    env.used = true;
    const startedAt = performance.now();
    const timeoutMs = fn.timeoutSeconds * 1000;
    emit(fn, `START RequestId: ${requestId} Version: $LATEST`);
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
      env.dead = true;
      discard(fn, env);
      log.warn('fault injected: abort', { function: fn.name, requestId, abortAfterMs });
      emit(fn, `fault injected: abort after ${abortAfterMs} ms RequestId: ${requestId}`);
      emit(fn, `RequestId: ${requestId} Error: Runtime exited with error: signal: killed`);
      result = {
        ok: false,
        errorType: 'Runtime.ExitError',
        errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: signal: killed`,
      };
    } else if (reply === 'timeout') {
      // As on AWS, a timed-out environment is not reused: the next invocation starts a fresh one.
      env.pending = undefined;
      env.dead = true;
      discard(fn, env);
      const seconds = fn.timeoutSeconds.toFixed(2);
      emit(fn, `${new Date().toISOString()} ${requestId} Task timed out after ${seconds} seconds`);
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
    const memoryUsed = reply === 'timeout' ? fn.memoryMb : reply === 'abort' ? 0 : (reply.heapUsedMb ?? 0);
    const report = [
      `REPORT RequestId: ${requestId}`,
      `Duration: ${durationMs.toFixed(2)} ms`,
      `Billed Duration: ${Math.max(1, Math.ceil(durationMs))} ms`,
      `Memory Size: ${fn.memoryMb} MB`,
      `Max Memory Used: ${memoryUsed} MB`,
      ...(coldStart ? [`Init Duration: ${env.initDurationMs.toFixed(2)} ms`] : []),
      ...(reply === 'timeout' ? ['Status: timeout'] : []),
      ...(reply === 'abort' ? ['Status: error\tError Type: Runtime.ExitError'] : []),
    ];
    emit(fn, `END RequestId: ${requestId}`);
    emit(fn, report.join('\t'));
    return result;
  }

  async function sendToQueue(
    fn: FunctionState,
    arn: string,
    body: string,
    messageAttributes?: Record<string, { DataType: string; StringValue?: string }>,
  ): Promise<void> {
    if (!arn.startsWith('arn:aws:sqs:')) {
      log.warn('only SQS destinations are supported locally', { function: fn.name, destination: arn });
      return;
    }
    if (!options.queueSender) {
      log.warn('no queue sender configured; destination record dropped', { function: fn.name, arn });
      return;
    }
    try {
      await options.queueSender.sendMessage(arn, body, messageAttributes ? { messageAttributes } : undefined);
    } catch (error) {
      log.error('could not deliver to destination', { function: fn.name, arn, error: String(error) });
    }
  }

  function destinationRecord(
    fn: FunctionState,
    requestId: string,
    event: unknown,
    condition: 'Success' | 'RetriesExhausted' | 'EventAgeExceeded',
    attempts: number,
    result: InvokeResult,
  ): string {
    return JSON.stringify({
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId,
        functionArn: `${fn.arn}:$LATEST`,
        condition,
        approximateInvokeCount: attempts,
      },
      requestPayload: event,
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        ...(result.ok ? {} : { functionError: 'Unhandled' }),
      },
      responsePayload: result.ok
        ? result.payload
        : { errorType: result.errorType, errorMessage: result.errorMessage },
    });
  }

  async function onAsyncFailure(
    fn: FunctionState,
    requestId: string,
    event: unknown,
    condition: 'RetriesExhausted' | 'EventAgeExceeded',
    attempts: number,
    result: InvokeResult & { ok: false },
  ): Promise<void> {
    log.error('asynchronous invocation failed', {
      function: fn.name,
      requestId,
      condition,
      attempts,
      errorType: result.errorType,
      errorMessage: result.errorMessage,
    });
    const { onFailure } = fn.asyncConfig;
    if (onFailure) {
      await sendToQueue(fn, onFailure, destinationRecord(fn, requestId, event, condition, attempts, result));
    }
    if (fn.deadLetterArn) {
      await sendToQueue(fn, fn.deadLetterArn, JSON.stringify(event), {
        RequestID: { DataType: 'String', StringValue: requestId },
        ErrorCode: { DataType: 'Number', StringValue: '200' },
        ErrorMessage: { DataType: 'String', StringValue: result.errorMessage.slice(0, 1024) },
      });
    }
  }

  // Lambda's internal queue for `Event` invocations: the same request id across attempts, each attempt
  // and retry time written to the journal (lazily: losing one repeats an attempt).
  async function runAsync(fn: FunctionState, id: string, pending: PendingInvocation): Promise<void> {
    const { requestId, receivedAt, event } = pending;
    const eventJson = JSON.stringify(event ?? null);
    const { maximumRetryAttempts, maximumEventAgeSeconds, onSuccess } = fn.asyncConfig;
    let failed: (InvokeResult & { ok: false }) | undefined;
    // Resumed after a restart: wait out the retry it was waiting for, or count the interrupted attempt.
    let waitMs: number | undefined;
    if (pending.retryAt !== undefined) waitMs = Math.max(0, pending.retryAt - Date.now());
    else if (pending.attempts > 0) failed = INTERRUPTED;
    for (;;) {
      if (failed && waitMs === undefined) {
        if (pending.attempts > maximumRetryAttempts) {
          await onAsyncFailure(fn, requestId, event, 'RetriesExhausted', pending.attempts, failed);
          journal.delete(id);
          return;
        }
        const delay = retryDelays[Math.min(pending.attempts - 1, retryDelays.length - 1)] ?? 0;
        if (Date.now() + delay - receivedAt > maximumEventAgeSeconds * 1000) {
          await onAsyncFailure(fn, requestId, event, 'EventAgeExceeded', pending.attempts, failed);
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
          await sleep(waitMs, undefined, { signal: stopController.signal });
        } catch {
          // Stopping: the journal keeps the invocation for the next start.
          return;
        }
        waitMs = undefined;
      }
      pending.attempts++;
      delete pending.retryAt;
      journal.set(id, pending);
      const result = await runOnce(fn, eventJson, requestId);
      if (result.ok) {
        if (onSuccess) {
          await sendToQueue(
            fn,
            onSuccess,
            destinationRecord(fn, requestId, event, 'Success', pending.attempts, result),
          );
        }
        journal.delete(id);
        return;
      }
      // Cut off by the stop: the next start counts this attempt as interrupted.
      if (stopController.signal.aborted) return;
      failed = result;
    }
  }

  function startAsync(fn: FunctionState, id: string, pending: PendingInvocation): void {
    const job = runAsync(fn, id, pending).catch((error: unknown) =>
      log.error('asynchronous invocation crashed', { function: fn.name, error: String(error) }),
    );
    backgroundJobs.add(job);
    void job.finally(() => backgroundJobs.delete(job));
  }

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
    if (invokeOptions?.invocationType === 'Event') {
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
    }
    return runOnce(fn, eventJson, randomUUID());
  }

  return {
    invoke,
    functions: () =>
      [...functions.values()].map((fn) => ({
        logicalId: fn.logicalId,
        name: fn.name,
        arn: fn.arn,
        handler: fn.handler,
        runtime: fn.runtime,
        timeoutSeconds: fn.timeoutSeconds,
        memoryMb: fn.memoryMb,
        reservedConcurrency: fn.reserved,
        concurrency: fn.concurrency,
        environments: fn.live.size,
        busy: [...fn.live].filter((env) => env.busy).length,
      })),
    setFaults(next) {
      faults = next.map((fault) => ({ ...fault }));
      log.info('faults set', { faults });
    },
    getFaults: () => faults.map((fault) => ({ ...fault })),
    start() {
      for (const { id, pending } of toResume.splice(0)) {
        const fn = findFunction(pending.functionName);
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
    async stop() {
      stopController.abort();
      const stopped = new Error('The local Lambda service stopped');
      const exits: Promise<unknown>[] = [];
      for (const fn of functions.values()) {
        for (const waiter of fn.waiters.splice(0)) waiter.reject(stopped);
        for (const env of fn.live) exits.push(env.worker.terminate());
      }
      await Promise.allSettled([...exits, ...backgroundJobs]);
      await journal.close();
      await Promise.all(
        [...functions.values()].map((fn) => new Promise<void>((resolve) => fn.logFile.end(() => resolve()))),
      );
    },
  };
}

function stoppedResult(): InvokeResult {
  return { ok: false, errorType: 'ServiceException', errorMessage: 'The local Lambda service stopped' };
}

function readAsyncConfig(properties: Record<string, unknown>): AsyncInvokeConfig {
  const destinations = properties.DestinationConfig as
    | { OnFailure?: { Destination?: unknown }; OnSuccess?: { Destination?: unknown } }
    | undefined;
  const onFailure = destinations?.OnFailure?.Destination;
  const onSuccess = destinations?.OnSuccess?.Destination;
  return {
    maximumRetryAttempts: optionalNumber(properties.MaximumRetryAttempts) ?? DEFAULT_RETRY_ATTEMPTS,
    maximumEventAgeSeconds:
      optionalNumber(properties.MaximumEventAgeInSeconds) ?? DEFAULT_MAX_EVENT_AGE_SECONDS,
    onFailure: typeof onFailure === 'string' ? onFailure : undefined,
    onSuccess: typeof onSuccess === 'string' ? onSuccess : undefined,
  };
}

function optionalNumber(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

function stringRecord(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, String(item)]));
}

// X-Ray's trace header as Lambda sets it in `_X_AMZN_TRACE_ID` (not sampled locally).
function traceHeader(): string {
  const epoch = Math.floor(Date.now() / 1000)
    .toString(16)
    .padStart(8, '0');
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
}
