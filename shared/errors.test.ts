import { BrokenCircuitError } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  DownstreamError,
  ForbiddenError,
  isTransient,
  NotFoundError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  UnauthorizedError,
  UnprocessableError,
  UnsupportedMediaTypeError,
  ValidationError,
} from './errors.ts';

describe('HTTP errors', () => {
  it.each([
    [new ValidationError('bad', [{ path: '/a', message: 'required' }]), 400, 'invalid-request'],
    [new UnauthorizedError(), 401, 'unauthorized'],
    [new ForbiddenError('no'), 403, 'forbidden'],
    [new NotFoundError('none'), 404, 'not-found'],
    [new ConflictError('taken', 'idempotency-key-reused'), 409, 'idempotency-key-reused'],
    [new PayloadTooLargeError(16), 413, 'payload-too-large'],
    [new UnsupportedMediaTypeError('text/plain'), 415, 'unsupported-media-type'],
    [new UnprocessableError('heavy', 'package-rejected'), 422, 'package-rejected'],
    [new ServiceUnavailableError(), 503, 'service-unavailable'],
  ])('%s carries its status and problem type', (error, status, slug) => {
    expect(error.statusCode).toBe(status);
    expect(error.type).toMatch(new RegExp(`/problems/${slug}$`));
    expect(error.name).not.toBe('Error');
  });
});

describe('isTransient', () => {
  it('follows the downstream error flag', () => {
    expect(isTransient(new DownstreamError('accounts', 'boom', true, 503))).toBe(true);
    expect(isTransient(new DownstreamError('accounts', 'no', false, 422))).toBe(false);
  });

  it('treats an open circuit as transient and anything else as not', () => {
    const broken = new BrokenCircuitError();

    expect(isTransient(broken)).toBe(true);
    expect(isTransient(new Error('bug'))).toBe(false);
    expect(isTransient('text')).toBe(false);
  });
});
