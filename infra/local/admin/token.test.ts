import { describe, expect, it } from 'vitest';
import type { AdminRequest } from './api.ts';
import { type TokenApi, tokenRoutes } from './token.ts';

const PUBLIC: TokenApi = {
  logicalId: 'PublicApi1234ABCD',
  url: 'http://127.0.0.1:3000',
  authorizers: [{ issuer: 'https://issuer.local', audience: ['client-1'] }],
};
const INTERNAL: TokenApi = { logicalId: 'InternalApi99', url: 'http://127.0.0.1:3001', authorizers: [] };

function routes(apis: TokenApi[] = [INTERNAL, PUBLIC]) {
  const minted: unknown[] = [];
  const tokens = tokenRoutes({
    apis: () => apis,
    mint: async (options) => {
      minted.push(options);
      return `token-${minted.length}`;
    },
  });
  const call = (method: string, path: string, body?: unknown) =>
    tokens.route({ method, path, query: new URLSearchParams(), body } satisfies AdminRequest);
  return { tokens, minted, call };
}

describe('tokenRoutes', () => {
  it('lists the HTTP APIs and whether they take a JWT', async () => {
    const { call } = routes();

    const answer = await call('GET', '/apis');

    expect(answer).toEqual({
      status: 200,
      body: {
        apis: [
          { logicalId: 'InternalApi99', url: 'http://127.0.0.1:3001', jwt: false },
          { logicalId: 'PublicApi1234ABCD', url: 'http://127.0.0.1:3000', jwt: true },
        ],
      },
    });
  });

  it('mints a token for the first API with a JWT authorizer, with the claims asked for', async () => {
    const { call, minted } = routes();

    const answer = await call('POST', '/token', { claims: { account_id: 'acct-1' } });

    expect(answer).toEqual({
      status: 200,
      body: { token: 'token-1', api: 'PublicApi1234ABCD', expiresInSeconds: 3600 },
    });
    expect(minted).toEqual([
      {
        issuer: 'https://issuer.local',
        audience: 'client-1',
        sub: 'local-console',
        claims: { account_id: 'acct-1' },
        expiresInSeconds: 3600,
      },
    ]);
  });

  it('takes the API by a part of its logical id, a subject and a lifetime', async () => {
    const { call, minted } = routes();

    await call('POST', '/token', { api: 'Public', sub: 'tester', expiresInSeconds: 60 });

    expect(minted).toEqual([expect.objectContaining({ sub: 'tester', expiresInSeconds: 60, claims: {} })]);
  });

  it.each([
    ['a field it does not know', { scope: 'all' }, /invalid token request: \(body\)/],
    ['a claim that is no plain value', { claims: { roles: ['a'] } }, /claims\.roles/],
    ['a lifetime over a day', { expiresInSeconds: 90_000 }, /expiresInSeconds/],
    ['a claim the route sets itself', { claims: { aud: 'other' } }, /claim aud is set by the token route/],
  ])('refuses %s with 400', async (_name, body, message) => {
    const { call, minted } = routes();

    const answer = await call('POST', '/token', body);

    expect(answer).toEqual({ status: 400, body: { error: expect.stringMatching(message) } });
    expect(minted).toEqual([]);
  });

  it('answers 404 when no API takes a JWT', async () => {
    const { call } = routes([INTERNAL]);

    const answer = await call('POST', '/token', { api: 'Internal' });

    expect(answer).toEqual({
      status: 404,
      body: {
        error: 'no HTTP API whose logical id contains "Internal" has a JWT authorizer with an audience',
      },
    });
  });

  it('leaves other requests to other routes and lists its own', async () => {
    const { call, tokens } = routes();

    expect(await call('GET', '/token')).toBeUndefined();
    expect(await call('POST', '/apis')).toBeUndefined();
    expect(tokens.lines.join('\n')).toMatch(/POST +\/_local\/token/);
  });
});
