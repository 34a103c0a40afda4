// The billing units AWS counts, as pure arithmetic: payload chunks, Lambda's billed duration and
// GB-seconds. Each constant is the size AWS documents on the service's pricing page.

/** SQS bills each 64 KB chunk of a request's payload as one request. */
export const SQS_CHUNK_BYTES = 64 * 1024;
/** EventBridge bills each 64 KB chunk of a PutEvents entry as one event. */
export const EVENTS_CHUNK_BYTES = 64 * 1024;
/** API Gateway meters HTTP API requests in 512 KB increments. */
export const HTTP_API_CHUNK_BYTES = 512 * 1024;

/** How many billed units a payload is when each started chunk counts one; never fewer than one. */
export function chunks(bytes: number, chunkBytes: number): number {
  if (!(bytes > 0)) return 1;
  return Math.ceil(bytes / chunkBytes);
}

/**
 * Lambda's billed duration in milliseconds: the invocation and, on a cold start, the init phase (billed
 * for every runtime since August 2025), rounded up to the next millisecond, at least 1 ms.
 */
export function billedDurationMs(durationMs: number, initDurationMs = 0): number {
  return Math.max(1, Math.ceil(Math.max(0, durationMs) + Math.max(0, initDurationMs)));
}

/** GB-seconds of a billed duration at the configured memory (1 GB = 1024 MB, as Lambda counts). */
export function gbSeconds(billedMs: number, memoryMb: number): number {
  return (billedMs / 1000) * (memoryMb / 1024);
}
