import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import { createVerifiedTokenCache } from './token-cache.ts';

export const JWT_KEY_FILE = 'jwt-key.json';

export interface MintOptions {
  issuer: string;
  /** Put in both `aud` and `client_id`, as Cognito access and ID tokens carry it in one or the other. */
  audience: string;
  sub: string;
  claims?: Record<string, unknown>;
  expiresInSeconds?: number;
}

export interface VerifyOptions {
  issuer: string;
  audience: readonly string[];
}

export type VerifyResult = { ok: true; claims: JWTPayload } | { ok: false; reason: string };

/** The local token issuer: signs tokens for any issuer string and verifies them as API Gateway does. */
export interface LocalIssuer {
  mint(options: MintOptions): Promise<string>;
  jwks(): JSONWebKeySet;
  verify(token: string, options: VerifyOptions): Promise<VerifyResult>;
}

interface StoredKey {
  kid: string;
  privateJwk: JWK;
}

async function loadOrCreateKey(stateDir: string): Promise<StoredKey> {
  const file = join(stateDir, JWT_KEY_FILE);
  try {
    const stored = JSON.parse(await readFile(file, 'utf8')) as StoredKey;
    if (typeof stored.kid === 'string' && stored.privateJwk?.kty === 'RSA') return stored;
    throw new Error(`${file} does not hold an RSA key; delete it to create a new one`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const stored: StoredKey = { kid: randomUUID(), privateJwk: await exportJWK(privateKey) };
  await mkdir(stateDir, { recursive: true });
  // Written then renamed so that a concurrent reader never sees half a key.
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(stored), { mode: 0o600 });
  await rename(temporary, file);
  return stored;
}

/** Whether the local cloud ever created its signing key (`<stateDir>/jwt-key.json`). */
export async function keyExists(stateDir: string): Promise<boolean> {
  try {
    await readFile(join(stateDir, JWT_KEY_FILE));
    return true;
  } catch {
    return false;
  }
}

/** Creates the local issuer, reusing the key pair in `stateDir` so tokens outlive restarts. */
export async function createLocalIssuer(options: { stateDir: string }): Promise<LocalIssuer> {
  const stored = await loadOrCreateKey(options.stateDir);
  const { kid, privateJwk } = stored;
  const publicJwk: JWK = { kty: 'RSA', n: privateJwk.n, e: privateJwk.e, kid, alg: 'RS256', use: 'sig' };
  const privateKey = await importJWK(privateJwk, 'RS256');
  const keySet: JSONWebKeySet = { keys: [publicJwk] };
  const getKey = createLocalJWKSet(keySet);
  // A token is checked once per issuer: later requests with it only check that it has not expired.
  const verified = createVerifiedTokenCache();

  return {
    async mint({ issuer, audience, sub, claims = {}, expiresInSeconds = 3600 }) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ ...claims, client_id: audience })
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(sub)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + expiresInSeconds)
        .setJti(randomUUID())
        .sign(privateKey);
    },
    jwks: () => structuredClone(keySet),
    async verify(token, { issuer, audience }) {
      let claims: JWTPayload;
      const cached = verified.get(issuer, token, Math.floor(Date.now() / 1000));
      if (cached?.ok === false) return cached;
      if (cached) claims = { ...cached.claims };
      else {
        try {
          ({ payload: claims } = await jwtVerify(token, getKey, {
            issuer,
            algorithms: ['RS256'],
            requiredClaims: ['exp'],
            clockTolerance: 0,
          }));
        } catch (error) {
          return { ok: false, reason: error instanceof Error ? error.message : String(error) };
        }
        verified.set(issuer, token, claims);
      }
      const audiences = [...(Array.isArray(claims.aud) ? claims.aud : claims.aud ? [claims.aud] : [])];
      if (typeof claims.client_id === 'string') audiences.push(claims.client_id);
      if (!audiences.some((value) => audience.includes(value))) {
        return { ok: false, reason: 'neither aud nor client_id is an audience of the authorizer' };
      }
      return { ok: true, claims };
    },
  };
}
