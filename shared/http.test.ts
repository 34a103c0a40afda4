import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { apiEvent, claimsFor } from '../test/support/lambda.ts';
import {
  ForbiddenError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from './errors.ts';
import { callerOf, headerOf, json, MAX_BODY_BYTES, parseJsonBody } from './http.ts';

const Schema = z.strictObject({ name: z.string(), count: z.number().int().positive() });

describe('parseJsonBody', () => {
  it('returns the validated body', () => {
    const event = apiEvent({ method: 'POST', body: { name: 'a', count: 2 } });

    expect(parseJsonBody(event, Schema)).toEqual({ name: 'a', count: 2 });
  });

  it('decodes a base64 body', () => {
    const event = {
      ...apiEvent({ method: 'POST', rawBody: Buffer.from('{"name":"b","count":1}').toString('base64') }),
      isBase64Encoded: true,
    };

    expect(parseJsonBody(event, Schema)).toEqual({ name: 'b', count: 1 });
  });

  it('refuses a body over the limit with 413', () => {
    const event = apiEvent({
      method: 'POST',
      rawBody: JSON.stringify({ name: 'x'.repeat(MAX_BODY_BYTES), count: 1 }),
    });

    expect(() => parseJsonBody(event, Schema)).toThrow(PayloadTooLargeError);
  });

  it('refuses a non-JSON content type with 415', () => {
    const event = apiEvent({
      method: 'POST',
      body: { name: 'a', count: 1 },
      headers: { 'content-type': 'text/plain' },
    });

    expect(() => parseJsonBody(event, Schema)).toThrow(UnsupportedMediaTypeError);
  });

  it('accepts a +json media type with parameters', () => {
    const event = apiEvent({
      method: 'POST',
      body: { name: 'a', count: 1 },
      headers: { 'Content-Type': 'application/merge-patch+json; charset=utf-8' },
    });

    expect(parseJsonBody(event, Schema)).toEqual({ name: 'a', count: 1 });
  });

  it('refuses malformed JSON with 400', () => {
    const event = apiEvent({
      method: 'POST',
      rawBody: '{"name":',
      headers: { 'content-type': 'application/json' },
    });

    expect(() => parseJsonBody(event, Schema)).toThrow(ValidationError);
  });

  it('lists each invalid field with its path', () => {
    const event = apiEvent({ method: 'POST', body: { name: 1, count: -1, extra: true } });

    const error = (() => {
      try {
        parseJsonBody(event, Schema);
      } catch (caught) {
        return caught as ValidationError;
      }
      throw new Error('expected a validation error');
    })();

    expect(error.statusCode).toBe(400);
    expect(error.errors?.map((entry) => entry.path).sort()).toEqual(['/', '/count', '/name']);
  });
});

describe('callerOf', () => {
  it('reads the user and the account from the claims', () => {
    expect(callerOf(apiEvent({ claims: claimsFor('acct-1', 'u-1') }))).toEqual({
      userId: 'u-1',
      accountId: 'acct-1',
    });
  });

  it('refuses a token without an account', () => {
    expect(() => callerOf(apiEvent({ claims: { sub: 'u-1' } }))).toThrow(ForbiddenError);
  });
});

describe('headerOf and json', () => {
  it('finds headers regardless of case', () => {
    expect(headerOf(apiEvent({ headers: { 'X-Thing': 'v' } }), 'x-thing')).toBe('v');
    expect(headerOf(apiEvent(), 'x-none')).toBeUndefined();
  });

  it('serializes a JSON response', () => {
    expect(json(201, { a: 1 }, { location: '/x' })).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'application/json', location: '/x' },
      body: '{"a":1}',
    });
  });
});
