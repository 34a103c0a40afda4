import { BrokenCircuitError } from 'cockatiel';

/** One field-level validation problem, as problem bodies list them. */
export interface FieldError {
  path: string;
  message: string;
}

const PROBLEM_BASE = 'https://drone-delivery.dev/problems/';

/** An error that maps to an HTTP problem response; only these reach clients with their detail. */
export class HttpError extends Error {
  override readonly name: string = 'HttpError';
  readonly type: string;

  constructor(
    readonly statusCode: number,
    readonly title: string,
    detail: string,
    options: {
      slug: string;
      errors?: FieldError[];
      cause?: unknown;
      headers?: Record<string, string>;
      extensions?: Record<string, unknown>;
    },
  ) {
    super(detail, { cause: options.cause });
    this.type = `${PROBLEM_BASE}${options.slug}`;
    this.errors = options.errors;
    this.headers = options.headers;
    this.extensions = options.extensions;
  }

  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;
  /** RFC 9457 extension members: more about the problem, for the caller to act on (below 500 only). */
  readonly extensions: Record<string, unknown> | undefined;
}

/** 400: the request is malformed or fails validation. */
export class ValidationError extends HttpError {
  override readonly name = 'ValidationError';
  constructor(detail: string, errors?: FieldError[], cause?: unknown) {
    super(400, 'Invalid request', detail, { slug: 'invalid-request', errors: errors ?? [], cause });
  }
}

/** 401: no usable identity. */
export class UnauthorizedError extends HttpError {
  override readonly name = 'UnauthorizedError';
  constructor(detail = 'The request carries no valid identity.') {
    super(401, 'Unauthorized', detail, { slug: 'unauthorized' });
  }
}

/** 403: the identity may not do this. */
export class ForbiddenError extends HttpError {
  override readonly name = 'ForbiddenError';
  constructor(detail: string) {
    super(403, 'Forbidden', detail, { slug: 'forbidden' });
  }
}

/** 404: absent, or not the caller's (existence is never leaked). */
export class NotFoundError extends HttpError {
  override readonly name = 'NotFoundError';
  constructor(detail: string) {
    super(404, 'Not found', detail, { slug: 'not-found' });
  }
}

/** 409: the resource's state forbids the operation, or an idempotency key was reused. */
export class ConflictError extends HttpError {
  override readonly name = 'ConflictError';
  constructor(detail: string, slug = 'conflict') {
    super(409, 'Conflict', detail, { slug });
  }
}

/** 413: the body is larger than the operation accepts. */
export class PayloadTooLargeError extends HttpError {
  override readonly name = 'PayloadTooLargeError';
  constructor(limitBytes: number) {
    super(413, 'Payload too large', `The request body exceeds ${limitBytes} bytes.`, {
      slug: 'payload-too-large',
    });
  }
}

/** 415: the body is not JSON. */
export class UnsupportedMediaTypeError extends HttpError {
  override readonly name = 'UnsupportedMediaTypeError';
  constructor(contentType: string | undefined) {
    super(
      415,
      'Unsupported media type',
      `Expected application/json, got ${contentType ?? 'no content type'}.`,
      {
        slug: 'unsupported-media-type',
      },
    );
  }
}

/**
 * 422: well-formed but refused by a business rule (internal APIs use it for non-transient refusals);
 * `extensions` are extra members of the problem body (e.g. when retrying could succeed).
 */
export class UnprocessableError extends HttpError {
  override readonly name = 'UnprocessableError';
  constructor(detail: string, slug: string, extensions?: Record<string, unknown>) {
    super(422, 'Unprocessable request', detail, { slug, ...(extensions ? { extensions } : {}) });
  }
}

/** 503: a dependency is unavailable; the client may retry. */
export class ServiceUnavailableError extends HttpError {
  override readonly name = 'ServiceUnavailableError';
  constructor(detail = 'The service is temporarily unavailable; retry later.', cause?: unknown) {
    super(503, 'Service unavailable', detail, {
      slug: 'service-unavailable',
      cause,
      headers: { 'retry-after': '1' },
    });
  }
}

/** A downstream call failed; `transient` says whether retrying can help. */
export class DownstreamError extends Error {
  override readonly name = 'DownstreamError';
  constructor(
    readonly downstream: string,
    message: string,
    readonly transient: boolean,
    readonly statusCode?: number,
    /** The problem body the downstream answered, with any extension members it carried. */
    readonly problem?: { type?: string; title?: string; detail?: string; [member: string]: unknown },
    cause?: unknown,
  ) {
    super(message, { cause });
  }
}

/** True for failures worth retrying: 5xx, 408, 429, timeouts, network errors, open circuits. */
export function isTransient(error: unknown): boolean {
  if (error instanceof DownstreamError) return error.transient;
  return error instanceof BrokenCircuitError;
}
