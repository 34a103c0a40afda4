// X-Ray around each invocation: Powertools' own middleware (the handler's subsegment, its cold start
// and service annotations, its response or error as metadata), over the tracer that
// shared/observability.ts loads on the first invocation instead of at the cold start.
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { MiddlewareObj, Request } from '@middy/core';
import { loadTracer, tracing } from '../observability.ts';

type TracerHooks = ReturnType<typeof captureLambdaHandler>;

/** Traces each invocation as captureLambdaHandler(tracer) does: one middleware, none where tracing is off. */
export function invocationTracing<E, R>(): MiddlewareObj<E, R>[] {
  if (!tracing) return [];
  let hooks: Promise<TracerHooks> | undefined;
  // Loaded (and every SDK client created so far wrapped) before the core makes its first call.
  const ready = () => (hooks ??= loadTracer().then((tracer) => captureLambdaHandler(tracer)));
  return [
    {
      before: async (request: Request<E, R>) => void (await ready()).before?.(request),
      after: async (request: Request<E, R>) => void (await ready()).after?.(request),
      onError: async (request: Request<E, R>) => void (await ready()).onError?.(request),
    },
  ];
}
