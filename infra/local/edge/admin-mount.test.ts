import { describe, expect, it } from 'vitest';
import { type AdminRequestFacts, adminRefusal, isAdminPath, ownOrigins } from './admin-mount.ts';

const own = ownOrigins(4566, ['127.0.0.1']);
const facts = (overrides: Partial<AdminRequestFacts> = {}): AdminRequestFacts => ({
  method: 'GET',
  origins: [],
  contentType: undefined,
  hasBody: false,
  ...overrides,
});

describe('ownOrigins', () => {
  it('counts the 127.0.0.1 and localhost forms of the port, and the address the request came to', () => {
    expect([...ownOrigins(4566, ['127.0.0.1', '::ffff:127.0.0.1', '::1'])]).toEqual([
      'http://127.0.0.1:4566',
      'http://localhost:4566',
      'http://[::1]:4566',
    ]);
  });

  it('leaves out a wildcard listening address', () => {
    expect([...ownOrigins(4566, ['0.0.0.0', '::'])]).toEqual([
      'http://127.0.0.1:4566',
      'http://localhost:4566',
    ]);
  });
});

describe('adminRefusal', () => {
  it('lets a request without an Origin through', () => {
    expect(adminRefusal(facts(), own)).toBeUndefined();
  });

  it('lets a same-origin request through, in either form of the host', () => {
    expect(adminRefusal(facts({ origins: ['http://127.0.0.1:4566'] }), own)).toBeUndefined();
    expect(adminRefusal(facts({ origins: ['http://localhost:4566'] }), own)).toBeUndefined();
  });

  it.each([
    ['another site', 'https://attacker.example'],
    ['another port of this machine', 'http://127.0.0.1:3000'],
    ['https on the same port', 'https://127.0.0.1:4566'],
    ['a name rebound to this machine', 'http://attacker.example:4566'],
    ['an opaque origin', 'null'],
    ['text that is no origin', 'not an origin'],
  ])('refuses %s with a 403', (_, origin) => {
    expect(adminRefusal(facts({ origins: [origin] }), own)).toMatchObject({
      status: 403,
      title: 'Forbidden',
      detail: expect.stringContaining(`Origin ${origin} is refused`),
    });
  });

  it('refuses a request with two Origin headers, even when one is its own', () => {
    expect(
      adminRefusal(facts({ origins: ['http://127.0.0.1:4566', 'https://attacker.example'] }), own)?.status,
    ).toBe(403);
  });

  it('checks the origin of a read too', () => {
    expect(adminRefusal(facts({ method: 'GET', origins: ['https://attacker.example'] }), own)?.status).toBe(
      403,
    );
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('lets a JSON %s through', (method) => {
    const request = facts({ method, contentType: 'application/json; charset=utf-8', hasBody: true });

    expect(adminRefusal(request, own)).toBeUndefined();
  });

  it.each([
    ['POST', 'text/plain'],
    ['POST', 'application/x-www-form-urlencoded'],
    ['POST', 'multipart/form-data; boundary=x'],
    ['PUT', 'text/plain'],
    ['DELETE', 'text/plain'],
  ])('refuses a %s of %s with a 415', (method, contentType) => {
    expect(adminRefusal(facts({ method, contentType, hasBody: true }), own)).toEqual({
      status: 415,
      title: 'Unsupported Media Type',
      detail: `${method} on the admin API needs Content-Type: application/json (got ${contentType})`,
    });
  });

  it('refuses a POST without a Content-Type, even without a body', () => {
    expect(adminRefusal(facts({ method: 'POST' }), own)?.status).toBe(415);
  });

  it('lets a body-less POST that says JSON through', () => {
    expect(adminRefusal(facts({ method: 'POST', contentType: 'application/json' }), own)).toBeUndefined();
  });

  it('lets a DELETE with neither body nor Content-Type through, but not one with a body', () => {
    expect(adminRefusal(facts({ method: 'DELETE' }), own)).toBeUndefined();
    expect(adminRefusal(facts({ method: 'DELETE', hasBody: true }), own)?.status).toBe(415);
  });

  it('checks the origin before the content type', () => {
    const request = facts({
      method: 'POST',
      origins: ['https://attacker.example'],
      contentType: 'text/plain',
    });

    expect(adminRefusal(request, own)?.status).toBe(403);
  });
});

describe('isAdminPath', () => {
  it('is the mount and what is below it, nothing else', () => {
    expect(isAdminPath('/_local')).toBe(true);
    expect(isAdminPath('/_local/faults')).toBe(true);
    expect(isAdminPath('/_localhost')).toBe(false);
    expect(isAdminPath('/2015-03-31/functions/x/invocations')).toBe(false);
  });
});
