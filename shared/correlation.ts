import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { logger } from './observability.ts';

/** Name of the HTTP header, SQS message attribute and log key that carry the correlation id. */
export const CORRELATION_HEADER = 'x-correlation-id';
export const CORRELATION_ATTRIBUTE = 'correlationId';

const storage = new AsyncLocalStorage<string>();
// API Gateway's own request ids, which become correlation ids, are base64: `/`, `+` and `=` included.
const VALID = /^[A-Za-z0-9._:/+=-]{1,128}$/;

/** Accepts a caller-supplied correlation id only if it is short and plain; otherwise undefined. */
export function sanitizeCorrelationId(value: string | undefined | null): string | undefined {
  return value && VALID.test(value) ? value : undefined;
}

/** Runs `fn` with `correlationId` as the current correlation id, also on every log line. */
export async function withCorrelationId<T>(correlationId: string, fn: () => Promise<T>): Promise<T> {
  logger.appendKeys({ correlation_id: correlationId });
  try {
    return await storage.run(correlationId, fn);
  } finally {
    logger.removeKeys(['correlation_id']);
  }
}

/** The correlation id of the work in progress (a new one if none was set, so nothing goes untraced). */
export function currentCorrelationId(): string {
  return storage.getStore() ?? randomUUID();
}
