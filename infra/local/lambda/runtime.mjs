// The Node.js runtime inside one execution environment (a worker thread). Plain JavaScript so that
// the worker starts without a TypeScript loader, as a bundled function would on AWS Lambda.
// Protocol with the host (worker-pool.ts, sync-invoker.ts): the worker posts `ready` or `init-error`
// once the handler is loaded; the host posts `invoke` messages one at a time; the worker answers each
// with `result`, once the output the invocation wrote has reached the host.
import { existsSync, readFileSync } from 'node:fs';
import { Module } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { installSdkFallback } from './sdk-fallback.mjs';

const { codeDir, handler: handlerSetting, enableSourceMaps, sdkBase } = workerData;

if (enableSourceMaps) process.setSourceMapsEnabled(true);
if (sdkBase) installSdkFallback(sdkBase);

let currentRequestId;

// The function's output goes to the host through the worker's stdio, which acknowledges each write
// once the host has read it. The result of an invocation must not overtake its output (the host
// writes END and REPORT when the result arrives), so it waits for the writes not acknowledged yet.
// The writes of one turn of the event loop go to the host as one: each write is a message to the
// host and an acknowledgement back, two wake-ups of a thread, and an invocation writes several lines.
let unacknowledged = 0;
const acknowledgedWaiters = [];
// Writes not handed over yet, both streams in the order they were made.
let pending = [];
let scheduled = false;

function flushOutput() {
  scheduled = false;
  const writes = pending;
  pending = [];
  // Consecutive writes to one stream go as one.
  for (let start = 0; start < writes.length; ) {
    let end = start + 1;
    while (end < writes.length && writes[end].write === writes[start].write) end++;
    const run = writes.slice(start, end);
    const chunk = run.length === 1 ? run[0].bytes : Buffer.concat(run.map((entry) => entry.bytes));
    unacknowledged += 1;
    run[0].write(chunk, (error) => {
      unacknowledged -= 1;
      if (unacknowledged === 0) for (const resolve of acknowledgedWaiters.splice(0)) resolve();
      for (const entry of run) entry.done?.(error);
    });
    start = end;
  }
}

function trackAcknowledgements() {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = (chunk, encoding, callback) => {
      const done = typeof encoding === 'function' ? encoding : callback;
      if (chunk === null || chunk === undefined) return write(chunk, encoding, callback);
      // A copy: the caller may reuse its buffer once write returns, before the turn's flush.
      const bytes =
        typeof chunk === 'string'
          ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8')
          : Buffer.from(chunk);
      pending.push({ write, bytes, done });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flushOutput);
      }
      return true;
    };
  }
}

// Resolves once every write so far has reached the host.
function outputAcknowledged() {
  flushOutput();
  if (unacknowledged === 0) return Promise.resolve();
  return new Promise((resolve) => acknowledgedWaiters.push(resolve));
}

// Lambda's Node.js runtime prefixes console output with time, request id and level.
function patchConsole() {
  const levels = { log: 'INFO', info: 'INFO', debug: 'DEBUG', warn: 'WARN', error: 'ERROR', trace: 'TRACE' };
  for (const [method, level] of Object.entries(levels)) {
    console[method] = (...args) => {
      const text = format(...args).replaceAll('\n', '\r');
      const line = `${new Date().toISOString()}\t${currentRequestId ?? 'undefined'}\t${level}\t${text}\n`;
      (level === 'ERROR' || level === 'WARN' ? process.stderr : process.stdout).write(line);
    };
  }
}

class RuntimeError extends Error {
  constructor(name, message) {
    super(message);
    this.name = name;
  }
}

// `index.handler` → module `index`, export `handler`; the module name may contain folders.
function splitHandler(setting) {
  const dot = setting.lastIndexOf('.');
  if (dot <= 0) throw new RuntimeError('Runtime.MalformedHandlerName', `Bad handler ${setting}`);
  return { modulePath: setting.slice(0, dot), exportPath: setting.slice(dot + 1) };
}

// A `.js` file is CommonJS unless a package.json in the code folder says otherwise, as in /var/task;
// the folders above the code (this repository's own package.json) must not decide it.
function isEsmPackage(dir) {
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) return false;
  try {
    return JSON.parse(readFileSync(manifest, 'utf8')).type === 'module';
  } catch {
    return false;
  }
}

function loadCommonJs(file) {
  const mod = new Module(file);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(dirname(file));
  mod._compile(readFileSync(file, 'utf8'), file);
  return mod.exports;
}

async function loadModule(base) {
  for (const extension of ['.js', '.mjs', '.cjs']) {
    const file = `${base}${extension}`;
    if (!existsSync(file)) continue;
    if (extension === '.mjs' || (extension === '.js' && isEsmPackage(codeDir))) {
      return import(pathToFileURL(file).href);
    }
    try {
      return loadCommonJs(file);
    } catch (error) {
      // ES module syntax in a `.js` file: Lambda's runtime falls back to loading it as a module.
      if (extension === '.js' && error instanceof SyntaxError) return import(pathToFileURL(file).href);
      throw error;
    }
  }
  throw new RuntimeError('Runtime.ImportModuleError', `Error: Cannot find module '${base}'`);
}

async function loadHandler() {
  const { modulePath, exportPath } = splitHandler(handlerSetting);
  let loaded;
  try {
    loaded = await loadModule(join(codeDir, modulePath));
  } catch (error) {
    if (error instanceof RuntimeError) throw error;
    throw new RuntimeError(
      'Runtime.ImportModuleError',
      `${error?.name ?? 'Error'}: ${error?.message ?? error}`,
    );
  }
  let target = loaded;
  for (const part of exportPath.split('.')) target = target?.[part];
  if (typeof target !== 'function' && loaded?.default && typeof loaded.default === 'object') {
    // A CommonJS bundle imported as a module exposes its exports under `default`.
    target = loaded.default;
    for (const part of exportPath.split('.')) target = target?.[part];
  }
  if (typeof target !== 'function') {
    throw new RuntimeError(
      'Runtime.HandlerNotFound',
      `${modulePath}.${exportPath} is undefined or not exported`,
    );
  }
  return target;
}

function describeError(error) {
  if (error instanceof Error) {
    return {
      errorType: error.name || 'Error',
      errorMessage: error.message,
      stackTrace: (error.stack ?? '')
        .split('\n')
        .slice(1)
        .map((line) => line.trim()),
    };
  }
  return {
    errorType: typeof error === 'string' ? 'string' : 'Error',
    errorMessage: String(error),
    stackTrace: [],
  };
}

// Runs the handler once, for async handlers and for callback-style (three-parameter) handlers alike.
function runHandler(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const succeed = (value) => {
      if (settled) return;
      settled = true;
      resolve(value);
    };
    const fail = (error) => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    const callback = (error, value) => (error === null || error === undefined ? succeed(value) : fail(error));
    context.succeed = succeed;
    context.fail = fail;
    context.done = callback;
    try {
      const returned = handler(event, context, callback);
      if (returned && typeof returned.then === 'function') returned.then(succeed, fail);
      else if (handler.length < 3) succeed(returned);
    } catch (error) {
      fail(error);
    }
  });
}

async function invoke(handler, message) {
  const { requestId, event, context: fields, deadline, traceId } = message;
  currentRequestId = requestId;
  process.env._X_AMZN_TRACE_ID = traceId;
  const context = {
    ...fields,
    awsRequestId: requestId,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  let reply;
  try {
    const value = await runHandler(handler, JSON.parse(event), context);
    const payload = JSON.stringify(value);
    reply = { type: 'result', requestId, ok: true, payload: payload ?? 'null' };
  } catch (error) {
    reply = { type: 'result', requestId, ok: false, ...describeError(error) };
    console.error(`Invoke Error \t${JSON.stringify(describeError(error))}`);
  }
  // The host writes END/REPORT after the result: let this invocation's output reach it first.
  await outputAcknowledged();
  reply.heapUsedMb = Math.round(getHeapStatistics().used_heap_size / 1048576);
  currentRequestId = undefined;
  parentPort.postMessage(reply);
}

async function main() {
  trackAcknowledgements();
  patchConsole();
  let handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    await outputAcknowledged();
    parentPort.postMessage({ type: 'init-error', ...describeError(error) });
    return;
  }
  parentPort.on('message', (message) => {
    if (message.type === 'invoke') void invoke(handler, message);
  });
  // What the init printed comes before the first invocation's START.
  await outputAcknowledged();
  parentPort.postMessage({ type: 'ready' });
}

await main();
