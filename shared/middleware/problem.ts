import type { MiddlewareObj } from '@middy/core';
import { HttpError } from '../errors.ts';
import type { ApiEvent, ApiResult } from '../http.ts';
import { logger } from '../observability.ts';

/** Turns any error into an RFC 9457 problem response; only HttpErrors below 500 show their detail. */
export function problemResponse(error: unknown, instance: string): ApiResult {
  if (error instanceof HttpError && error.statusCode < 500) {
    return body(
      error.statusCode,
      {
        // Extension members first: they never replace a standard member.
        ...error.extensions,
        type: error.type,
        title: error.title,
        status: error.statusCode,
        detail: error.message,
        instance,
        ...(error.errors ? { errors: error.errors } : {}),
      },
      error.headers,
    );
  }
  if (error instanceof HttpError) {
    return body(
      error.statusCode,
      { type: error.type, title: error.title, status: error.statusCode, detail: error.message, instance },
      error.headers,
    );
  }
  return body(500, {
    type: 'https://drone-delivery.dev/problems/internal-error',
    title: 'Internal error',
    status: 500,
    detail: 'The request could not be completed.',
    instance,
  });
}

function body(
  status: number,
  problem: Record<string, unknown>,
  headers: Record<string, string> = {},
): ApiResult {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/problem+json', ...headers },
    body: JSON.stringify(problem),
  };
}

/** Last middleware of the HTTP stack: logs the failure and answers with a problem body. */
export function problemErrors(): MiddlewareObj<ApiEvent, ApiResult> {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof HttpError && error.statusCode < 500) {
        logger.info('request refused', { status: error.statusCode, reason: error.message });
      } else {
        logger.error('request failed', { error: error as Error });
      }
      request.response = problemResponse(error, request.event.rawPath ?? '');
    },
  };
}
