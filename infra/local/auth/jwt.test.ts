import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLocalIssuer, type LocalIssuer } from './jwt.ts';

const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_local';

describe('local JWT issuer', () => {
  let stateDir: string;
  let issuer: LocalIssuer;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'jwt-test-'));
    issuer = await createLocalIssuer({ stateDir });
  });
  afterAll(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('verifies a token it minted for the authorizer issuer and audience', async () => {
    const token = await issuer.mint({
      issuer: ISSUER,
      audience: 'client-1',
      sub: 'user-1',
      claims: { account_id: 'a-1' },
    });

    const result = await issuer.verify(token, { issuer: ISSUER, audience: ['client-1'] });

    expect(result).toMatchObject({
      ok: true,
      claims: { sub: 'user-1', account_id: 'a-1', client_id: 'client-1', aud: 'client-1' },
    });
  });

  it('rejects a token of another issuer', async () => {
    const token = await issuer.mint({ issuer: 'https://elsewhere', audience: 'client-1', sub: 'u' });

    const result = await issuer.verify(token, { issuer: ISSUER, audience: ['client-1'] });

    expect(result.ok).toBe(false);
  });

  it('rejects a token for an audience the authorizer does not list', async () => {
    const token = await issuer.mint({ issuer: ISSUER, audience: 'client-2', sub: 'u' });

    const result = await issuer.verify(token, { issuer: ISSUER, audience: ['client-1'] });

    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('audience') });
  });

  it('rejects an expired token', async () => {
    const token = await issuer.mint({
      issuer: ISSUER,
      audience: 'client-1',
      sub: 'u',
      expiresInSeconds: -10,
    });

    const result = await issuer.verify(token, { issuer: ISSUER, audience: ['client-1'] });

    expect(result.ok).toBe(false);
  });

  it('rejects a token signed by another key', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ client_id: 'client-1' })
      .setProtectedHeader({ alg: 'RS256', kid: issuer.jwks().keys[0]?.kid })
      .setIssuer(ISSUER)
      .setExpirationTime('1h')
      .sign(privateKey);

    const result = await issuer.verify(token, { issuer: ISSUER, audience: ['client-1'] });

    expect(result.ok).toBe(false);
  });

  describe('a token verified before', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('is refused once it has expired', async () => {
      const token = await issuer.mint({
        issuer: ISSUER,
        audience: 'client-1',
        sub: 'u',
        expiresInSeconds: 60,
      });
      const first = await issuer.verify(token, { issuer: ISSUER, audience: ['client-1'] });

      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 61_000);
      const later = await issuer.verify(token, { issuer: ISSUER, audience: ['client-1'] });

      expect(first.ok).toBe(true);
      expect(later).toMatchObject({ ok: false, reason: expect.stringContaining('"exp"') });
    });

    it('is refused for another issuer or audience', async () => {
      const token = await issuer.mint({ issuer: ISSUER, audience: 'client-1', sub: 'u' });
      const first = await issuer.verify(token, { issuer: ISSUER, audience: ['client-1'] });

      const otherIssuer = await issuer.verify(token, { issuer: 'https://elsewhere', audience: ['client-1'] });
      const otherAudience = await issuer.verify(token, { issuer: ISSUER, audience: ['client-2'] });

      expect(first.ok).toBe(true);
      expect(otherIssuer).toMatchObject({ ok: false, reason: expect.stringContaining('"iss"') });
      expect(otherAudience).toMatchObject({ ok: false, reason: expect.stringContaining('audience') });
    });
  });

  it('keeps its key in the state folder so tokens survive a restart', async () => {
    const token = await issuer.mint({ issuer: ISSUER, audience: 'client-1', sub: 'u' });

    const restarted = await createLocalIssuer({ stateDir });
    const result = await restarted.verify(token, { issuer: ISSUER, audience: ['client-1'] });

    expect(result.ok).toBe(true);
  });
});
