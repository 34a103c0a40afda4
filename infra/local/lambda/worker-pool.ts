// The execution environments of one function: a worker thread each (runtime.mjs) with the function's
// environment and memory limit, started on demand up to its concurrency, kept warm for the next
// invocation, and discarded when it dies, times out or is aborted. New code (hot reload) starts a new
// generation: new invocations get environments on it, those on the old code finish their invocation
// and are retired.
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { FunctionConfig } from './function-config.ts';
import type { FunctionLog } from './function-logs.ts';
import { sdkFallbackFor } from './sdk-path.ts';

export type InitOutcome = { ok: true } | { ok: false; errorType: string; errorMessage: string };

/** The worker's answer to one invocation. */
export interface WorkerReply {
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

export interface Environment {
  worker: Worker;
  /** The code generation it runs (0 for the code the function started with). */
  generation: number;
  logStreamName: string;
  ready: Promise<InitOutcome>;
  initDurationMs: number;
  /** Whether this environment has served an invocation (the first one reports the init duration). */
  used: boolean;
  dead: boolean;
  busy: boolean;
  pending: ((reply: WorkerReply) => void) | undefined;
}

export interface WorkerPool {
  /** A warm environment, a new one within the concurrency, or the next one released. */
  acquire(): Promise<Environment>;
  /** Gives an environment back after an invocation; a dead one frees its slot. */
  release(env: Environment): void;
  /** Marks an environment dead and terminates it. */
  kill(env: Environment): void;
  /** Live environments (warm or busy). */
  readonly live: ReadonlySet<Environment>;
  /** Refuses the waiting invocations with `error` and terminates every environment. */
  stop(error: Error): Promise<void>;
  /**
   * Runs the environments started from now on on the code in `codeDir`. Warm environments on the
   * previous code are retired at once, busy ones once their invocation ends; the promise resolves
   * when none is left.
   */
  replaceCode(codeDir: string): Promise<void>;
}

export interface WorkerPoolSettings {
  /** Aborted when the host stops: no environment is started after it. */
  signal: AbortSignal;
  /** Where the project's AWS SDK is (sdk-path.ts), if anywhere. */
  sdkBase: string | undefined;
}

const runtimeUrl = new URL('./runtime.mjs', import.meta.url);

/** Creates the (initially empty) pool of one function's execution environments. */
export function createWorkerPool(
  fn: FunctionConfig,
  logs: FunctionLog,
  settings: WorkerPoolSettings,
): WorkerPool {
  const live = new Set<Environment>();
  let idle: Environment[] = [];
  const waiters: Array<{ resolve(env: Environment): void; reject(error: Error): void }> = [];
  // The code new environments start on; older generations only finish what they run.
  let code = { generation: 0, codeDir: fn.codeDir, sdkBase: sdkFallbackFor(fn.codeDir, settings.sdkBase) };
  // Who waits for every environment older than a generation to be gone.
  let retirements: Array<{ before: number; resolve(): void }> = [];

  function spawn(): Environment {
    const logStreamName = `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;
    const startedAt = performance.now();
    const { generation, codeDir, sdkBase } = code;
    const taskRoot = codeDir === undefined ? {} : { LAMBDA_TASK_ROOT: codeDir };
    const worker = new Worker(runtimeUrl, {
      env: { ...fn.baseEnv, ...taskRoot, AWS_LAMBDA_LOG_STREAM_NAME: logStreamName },
      execArgv: [],
      stdout: true,
      stderr: true,
      name: fn.name,
      resourceLimits: { maxOldGenerationSizeMb: fn.memoryMb },
      workerData: {
        codeDir: codeDir ?? '',
        handler: fn.handler,
        enableSourceMaps: fn.enableSourceMaps,
        sdkBase,
      },
    });
    logs.pipe(worker.stdout);
    logs.pipe(worker.stderr);
    let settleInit: (outcome: InitOutcome) => void = () => {};
    const env: Environment = {
      worker,
      generation,
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
      if (!env.dead) kill(env);
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
    live.add(env);
    return env;
  }

  // Removes a dead environment; its concurrency slot goes to the next waiting invocation.
  function kill(env: Environment): void {
    env.dead = true;
    live.delete(env);
    idle = idle.filter((candidate) => candidate !== env);
    void env.worker.terminate();
    settleRetirements();
    if (!env.busy) handOver();
  }

  function settleRetirements(): void {
    const oldest = Math.min(...[...live].map((env) => env.generation));
    const settled = retirements.filter((retirement) => oldest >= retirement.before);
    retirements = retirements.filter((retirement) => oldest < retirement.before);
    for (const retirement of settled) retirement.resolve();
  }

  function handOver(): void {
    const waiter = waiters.shift();
    if (!waiter) return;
    const env = idle.pop();
    if (env) waiter.resolve(env);
    else if (live.size < fn.concurrency && !settings.signal.aborted) waiter.resolve(spawn());
    else waiters.unshift(waiter);
  }

  return {
    acquire() {
      const warm = idle.pop();
      if (warm) return Promise.resolve(warm);
      if (live.size < fn.concurrency) return Promise.resolve(spawn());
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    release(env) {
      env.busy = false;
      if (env.dead) handOver();
      else if (env.generation < code.generation) kill(env);
      else {
        idle.push(env);
        handOver();
      }
    },
    kill,
    live,
    async stop(error) {
      for (const waiter of waiters.splice(0)) waiter.reject(error);
      await Promise.allSettled([...live].map((env) => env.worker.terminate()));
    },
    replaceCode(codeDir) {
      // New code of the same function resolves the SDK as its first code did: a reloaded bundle is
      // built from the same project, wherever its folder is (the fallback costs each cold start a
      // resolution hook, a thread of its own on Node.js 20).
      code = { generation: code.generation + 1, codeDir, sdkBase: code.sdkBase };
      const retired = new Promise<void>((resolve) => {
        retirements.push({ before: code.generation, resolve });
      });
      for (const env of idle.slice()) kill(env);
      settleRetirements();
      return retired;
    },
  };
}
