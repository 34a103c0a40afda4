import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';

// One logger, tracer and metrics instance per execution environment; Powertools reads the
// service name, namespace and log level from POWERTOOLS_* variables set by the stack.
// The tracer (and the X-Ray SDK under it, the heaviest module a handler would load at its cold
// start) is imported only where tracing is on, on the first invocation: the bundler puts it in a
// file of its own beside the handler's bundle (infra/constructs/bundling.ts). X-Ray traces every
// function (docs/architecture.md §5 "Tracing") exactly as before: every invocation is traced, and
// every SDK client is wrapped before its first call.

/** The structured logger: JSON lines with the correlation id appended per invocation or record. */
export const logger = new Logger();

/** CloudWatch metrics in Embedded Metric Format. */
export const metrics = new Metrics();

/**
 * Whether the Powertools tracer traces here, by its own rule: on in Lambda (`AWS_EXECUTION_ENV`), off
 * when `POWERTOOLS_TRACE_ENABLED` is `false`, under SAM local or Amplify's mock. Where it is off the
 * tracer does nothing, so it is not loaded at all.
 */
export function tracingEnabled(env: Record<string, string | undefined> = process.env): boolean {
  const executionEnv = env.AWS_EXECUTION_ENV ?? '';
  return (
    (env.POWERTOOLS_TRACE_ENABLED ?? '').toLowerCase() !== 'false' &&
    executionEnv !== '' &&
    executionEnv !== 'AWS_Lambda_amplify-mock' &&
    (env.AWS_SAM_LOCAL ?? '') === ''
  );
}

/** Whether this execution environment traces: decided once, at its start, as the tracer itself does. */
export const tracing = tracingEnabled();

let loading: Promise<Tracer> | undefined;
let loaded: Tracer | undefined;
// Clients created before the tracer was loaded; it wraps them as soon as it is.
const waiting: unknown[] = [];

/** The X-Ray tracer, imported and created on the first call (callers check `tracing` first). */
export function loadTracer(): Promise<Tracer> {
  loading ??= import('@aws-lambda-powertools/tracer').then(({ Tracer }) => {
    const tracer = new Tracer();
    for (const client of waiting.splice(0)) tracer.captureAWSv3Client(client);
    loaded = tracer;
    return tracer;
  });
  return loading;
}

/**
 * Wraps an SDK client with the tracer (each call a subsegment) where tracing is on: now if the tracer
 * is loaded, else when it is, which the handler's middleware does before the first call.
 */
export function traced<C>(client: C): C {
  if (!tracing) return client;
  if (loaded) return loaded.captureAWSv3Client(client);
  waiting.push(client);
  return client;
}
