import { createHash, timingSafeEqual } from 'node:crypto';
// The SDK's own SHA-256 and HMAC on node:crypto, as its clients sign in Node.js.
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';

/** An incoming HTTP request as received, for signature verification. */
export interface IncomingSignedRequest {
  method: string;
  /** The path exactly as sent (still percent-encoded), without the query string. */
  path: string;
  /** The raw query string, without `?`. */
  rawQuery: string;
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
}

export type SignatureCheck =
  | {
      ok: true;
      accessKeyId: string;
      region: string;
      service: string;
      /** False when the key is not a local one: its signature cannot be checked, the caller is an administrator. */
      verified: boolean;
    }
  | { ok: false; reason: 'missing' | 'malformed' | 'expired' | 'mismatch'; message: string };

const MAX_SKEW_MS = 15 * 60 * 1000;
const AUTHORIZATION = /^AWS4-HMAC-SHA256\s+(.*)$/s;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

type SignableRequest = Parameters<SignatureV4['sign']>[0];

// One signer per access key, region and service, reused for every request it signed.
const MAX_SIGNERS = 256;
const signers = new Map<string, SignatureV4>();

function signerFor(accessKeyId: string, secretAccessKey: string, region: string, service: string) {
  const key = `${accessKeyId}\0${secretAccessKey}\0${region}\0${service}`;
  let signer = signers.get(key);
  if (!signer) {
    if (signers.size >= MAX_SIGNERS) signers.clear();
    signer = new SignatureV4({
      credentials: { accessKeyId, secretAccessKey },
      region,
      service,
      sha256: Sha256,
      applyChecksum: false,
    });
    signers.set(key, signer);
  }
  return signer;
}

function headerValue(headers: IncomingSignedRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function parseAuthorization(header: string) {
  const match = AUTHORIZATION.exec(header.trim());
  if (!match?.[1]) return undefined;
  const parts = new Map<string, string>();
  for (const part of match[1].split(',')) {
    const index = part.indexOf('=');
    if (index > 0) parts.set(part.slice(0, index).trim(), part.slice(index + 1).trim());
  }
  const credential = parts.get('Credential')?.split('/');
  const signedHeaders = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  if (credential?.length !== 5 || !signedHeaders || !signature) return undefined;
  const [accessKeyId, shortDate, region, service, terminator] = credential as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (terminator !== 'aws4_request') return undefined;
  return { accessKeyId, shortDate, region, service, signedHeaders: signedHeaders.split(';'), signature };
}

function parseAmzDate(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

/** Splits a raw query string into decoded key/value lists, as the signer canonicalises them. */
export function parseRawQuery(rawQuery: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  if (!rawQuery) return query;
  for (const pair of rawQuery.split('&')) {
    if (!pair) continue;
    const index = pair.indexOf('=');
    const key = safeDecode(index < 0 ? pair : pair.slice(0, index));
    const value = index < 0 ? '' : safeDecode(pair.slice(index + 1));
    const existing = query[key];
    if (existing === undefined) query[key] = value;
    else query[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return query;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Verifies a request's SigV4 Authorization header against the secret of its access key. */
export async function verifySigV4(
  request: IncomingSignedRequest,
  secretFor: (accessKeyId: string) => string | undefined,
  options: { now?: Date } = {},
): Promise<SignatureCheck> {
  const authorization = headerValue(request.headers, 'authorization');
  if (!authorization) {
    return { ok: false, reason: 'missing', message: 'Missing Authentication Token' };
  }
  const parsed = parseAuthorization(authorization);
  if (!parsed) {
    return {
      ok: false,
      reason: 'malformed',
      message: 'Authorization header is not a valid AWS4-HMAC-SHA256 header',
    };
  }
  const amzDate = headerValue(request.headers, 'x-amz-date');
  const signingDate = amzDate ? parseAmzDate(amzDate) : undefined;
  if (!amzDate || !signingDate || !parsed.signedHeaders.includes('x-amz-date')) {
    return { ok: false, reason: 'malformed', message: 'X-Amz-Date must be sent and signed' };
  }
  if (!amzDate.startsWith(parsed.shortDate)) {
    return { ok: false, reason: 'malformed', message: 'Credential scope date does not match X-Amz-Date' };
  }
  const now = options.now ?? new Date();
  if (Math.abs(now.getTime() - signingDate.getTime()) > MAX_SKEW_MS) {
    return {
      ok: false,
      reason: 'expired',
      message: `Signature expired: ${amzDate} is now earlier or later than 15 minutes from ${now.toISOString()}`,
    };
  }
  const secret = secretFor(parsed.accessKeyId);
  if (secret === undefined) {
    return {
      ok: true,
      accessKeyId: parsed.accessKeyId,
      region: parsed.region,
      service: parsed.service,
      verified: false,
    };
  }
  const mismatch = {
    ok: false,
    reason: 'mismatch',
    message:
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
  } as const;

  const declaredHash = headerValue(request.headers, 'x-amz-content-sha256');
  if (declaredHash && declaredHash !== 'UNSIGNED-PAYLOAD' && !declaredHash.startsWith('STREAMING-')) {
    const actual = request.body.length
      ? createHash('sha256').update(request.body).digest('hex')
      : EMPTY_SHA256;
    if (actual !== declaredHash.toLowerCase()) return mismatch;
  }

  const headers: Record<string, string> = {};
  for (const name of parsed.signedHeaders) {
    const value = headerValue(request.headers, name);
    if (value === undefined) return mismatch;
    headers[name] = value;
  }
  const host = headers.host ?? '';
  const toSign: SignableRequest = {
    method: request.method.toUpperCase(),
    protocol: 'http:',
    hostname: host.split(':')[0] ?? host,
    path: request.path || '/',
    query: parseRawQuery(request.rawQuery),
    headers,
    body: request.body.length ? request.body : undefined,
  };
  // Headers the client signed are signed again even if the signer would normally skip them.
  const signer = signerFor(parsed.accessKeyId, secret, parsed.region, parsed.service);
  const signed = await signer.sign(toSign, {
    signingDate,
    signingRegion: parsed.region,
    signingService: parsed.service,
    signableHeaders: new Set(parsed.signedHeaders),
  });
  const recomputed = /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization ?? ''))?.[1] ?? '';
  const expected = Buffer.from(recomputed, 'utf8');
  const provided = Buffer.from(parsed.signature.toLowerCase(), 'utf8');
  if (expected.length !== provided.length || !timingSafeEqual(expected, provided)) return mismatch;
  return {
    ok: true,
    accessKeyId: parsed.accessKeyId,
    region: parsed.region,
    service: parsed.service,
    verified: true,
  };
}
