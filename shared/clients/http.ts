import { NodeHttpHandler } from '@smithy/node-http-handler';

// Every SDK call is bounded in time so that it fails inside the invocation that made it, with time
// left to answer (a 503, a failed SQS record), instead of being cut off by the Lambda timeout with
// nothing said. The shortest timeout of a function that uses these clients is 10 s (the default of
// infra/constructs/service-function.ts: the API handlers, ingest-telemetry, the internal routes;
// the queue consumers have 30 s, the sweepers 50 s, the simulator 58 s; the 5 s token trigger uses
// no client). The numbers, against those 10 s:
// - response headers within 2.5 s of the request (`requestTimeout`, which starts with the request,
//   so it includes waiting for a socket and connecting): DynamoDB, EventBridge, SQS, SNS and SES
//   answer in tens to hundreds of milliseconds. DynamoDB Local on a busy 2-core machine was seen
//   past 1 s (with a 1 s bound, the end-to-end runs logged timeouts that only cost redeliveries);
//   2.5 s means the call is stuck, and a fresh attempt does better than waiting on.
// - connected within 1 s (`connectionTimeout`): a regional endpoint (or the local cloud's edge)
//   accepts a connection in milliseconds; it fails a dead host before the request timeout does.
// - no 2.5 s of silence on the socket (`socketTimeout`, which also runs while the body arrives, where
//   `requestTimeout` stops at the headers): a response that stalls halfway fails too.
// - 2 attempts (the SDK's standard mode backs off at most 100 ms, or about 1 s when throttled, and a
//   throttled answer comes fast): a call that gets no answer gives up after 2 × 2.5 s + 0.1 s ≈ 5 s,
//   half of the shortest invocation, leaving the rest to answer or to the caller's own retry. Retried
//   writes are safe: transactions carry the SDK's idempotency token, conditional writes fail their
//   condition and are read again, and events are deduplicated on their `eventId`.

/** Time bounds of one SDK client. */
export interface SdkTimeouts {
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  /** Longest silence while the response body arrives. */
  socketTimeoutMs: number;
  /** Total attempts of one call, the first included. */
  maxAttempts: number;
}

/** The bounds every SDK client of the app uses (see the reasoning above). */
export const SDK_TIMEOUTS: SdkTimeouts = {
  connectionTimeoutMs: 1_000,
  requestTimeoutMs: 2_500,
  socketTimeoutMs: 2_500,
  maxAttempts: 2,
};

/** The part of an SDK client's configuration that bounds every call in time; a new handler per client. */
export function boundedClientConfig(timeouts: SdkTimeouts = SDK_TIMEOUTS) {
  return {
    maxAttempts: timeouts.maxAttempts,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: timeouts.connectionTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      // Without it, a request over `requestTimeout` only logs a warning and goes on waiting.
      throwOnRequestTimeout: true,
      socketTimeout: timeouts.socketTimeoutMs,
    }),
  };
}
