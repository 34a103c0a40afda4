// Each AWS::Lambda::Function of a resolved stack as the host runs it: code, handler, limits,
// concurrency, environment, and the asynchronous settings of its AWS::Lambda::EventInvokeConfig.
import type { LocalLogger, ResolvedResource, ResolvedStack } from '../model.ts';
import { functionEnvironment } from './function-env.ts';

/** How Lambda's internal queue treats a function's `Event` invocations. */
export interface AsyncInvokeConfig {
  maximumRetryAttempts: number;
  maximumEventAgeSeconds: number;
  onFailure: string | undefined;
  onSuccess: string | undefined;
}

/** One function's configuration. */
export interface FunctionConfig {
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
}

export interface FunctionConfigOptions {
  stack: ResolvedStack;
  edgeUrl: string;
  credentialsFor(functionName: string): { accessKeyId: string; secretAccessKey: string };
  log: LocalLogger;
  /** Concurrency of functions without `ReservedConcurrentExecutions` (default 10). */
  defaultConcurrency?: number;
}

const DEFAULT_TIMEOUT_SECONDS = 3;
const DEFAULT_MEMORY_MB = 128;
const DEFAULT_MAX_EVENT_AGE_SECONDS = 21_600;
const DEFAULT_RETRY_ATTEMPTS = 2;

/** Reads the functions of a stack, with the event invoke configs applied to theirs. */
export function readFunctions(options: FunctionConfigOptions): FunctionConfig[] {
  const { stack, log } = options;
  const functions: FunctionConfig[] = [];
  for (const resource of stack.resources.values()) {
    if (resource.type === 'AWS::Lambda::Function') functions.push(describeFunction(resource, options));
  }
  const find = functionFinder(functions);
  for (const resource of stack.resources.values()) {
    if (resource.type !== 'AWS::Lambda::EventInvokeConfig') continue;
    const fn = find(String(resource.properties.FunctionName ?? ''));
    if (!fn) {
      log.warn('event invoke config for an unknown function', { logicalId: resource.logicalId });
      continue;
    }
    fn.asyncConfig = readAsyncConfig(resource.properties);
  }
  return functions;
}

/** Finds a function by logical id, name, ARN, qualified ARN or partial ARN. */
export function functionFinder<F extends { logicalId: string; name: string; arn: string }>(
  functions: Iterable<F>,
): (ref: string) => F | undefined {
  const byRef = new Map<string, F>();
  for (const fn of functions) for (const key of [fn.logicalId, fn.name, fn.arn]) byRef.set(key, fn);
  return (ref) => {
    const direct = byRef.get(ref);
    if (direct) return direct;
    // A qualified ARN (`...:function:name:$LATEST`) or a partial one (`123456789012:function:name`).
    const match = /(?:^|:)function:([^:]+)(?::[^:]+)?$/.exec(ref);
    return match?.[1] ? byRef.get(match[1]) : undefined;
  };
}

function describeFunction(resource: ResolvedResource, options: FunctionConfigOptions): FunctionConfig {
  const { stack, log } = options;
  const p = resource.properties;
  const name = resource.physicalName;
  const arn = resource.attributes.Arn ?? `arn:aws:lambda:${stack.region}:${stack.accountId}:function:${name}`;
  const reserved = optionalNumber(p.ReservedConcurrentExecutions);
  const timeoutSeconds = optionalNumber(p.Timeout) ?? DEFAULT_TIMEOUT_SECONDS;
  const memoryMb = optionalNumber(p.MemorySize) ?? DEFAULT_MEMORY_MB;
  const runtime = typeof p.Runtime === 'string' ? p.Runtime : 'nodejs24.x';
  const handler = typeof p.Handler === 'string' ? p.Handler : 'index.handler';
  const codeDir = stack.functionCode.get(resource.logicalId);
  if (!runtime.startsWith('nodejs')) log.warn('runtime is not Node.js; trying anyway', { name, runtime });
  if (!codeDir) log.warn('no bundled code for function', { logicalId: resource.logicalId });
  const variables = stringRecord((p.Environment as { Variables?: unknown } | undefined)?.Variables);
  const baseEnv = functionEnvironment({
    variables,
    name,
    handler,
    runtime,
    memoryMb,
    codeDir,
    region: stack.region,
    credentials: options.credentialsFor(name),
    edgeUrl: options.edgeUrl,
  });
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
  };
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
