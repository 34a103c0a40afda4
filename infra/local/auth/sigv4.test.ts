import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { type IncomingSignedRequest, verifySigV4 } from './sigv4.ts';

const credentials = { accessKeyId: 'LOCAL0123456789ABCDEF', secretAccessKey: 'local-secret' };
const secretFor = (key: string) =>
  key === credentials.accessKeyId ? credentials.secretAccessKey : undefined;

async function signedRequest(
  overrides: {
    body?: string;
    accessKeyId?: string;
    date?: Date;
    path?: string;
    query?: Record<string, string>;
  } = {},
): Promise<IncomingSignedRequest> {
  const body = overrides.body ?? '{"a":1}';
  const signer = new SignatureV4({
    credentials: { ...credentials, accessKeyId: overrides.accessKeyId ?? credentials.accessKeyId },
    region: 'us-east-1',
    service: 'execute-api',
    sha256: Sha256,
  });
  const query = overrides.query ?? {};
  const signed = await signer.sign(
    {
      method: 'PUT',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 3001,
      path: overrides.path ?? '/packages/d-1',
      query,
      headers: { host: '127.0.0.1:3001', 'content-type': 'application/json', 'x-correlation-id': 'c-1' },
      body,
    },
    overrides.date ? { signingDate: overrides.date } : {},
  );
  return {
    method: 'PUT',
    path: overrides.path ?? '/packages/d-1',
    rawQuery: Object.entries(query)
      .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
      .join('&'),
    headers: { ...(signed.headers as Record<string, string>), 'user-agent': 'test' },
    body: Buffer.from(body),
  };
}

describe('verifySigV4', () => {
  it('accepts a request signed with the secret of a local key', async () => {
    const request = await signedRequest({ query: { limit: '10', next: 'a b' } });

    const check = await verifySigV4(request, secretFor);

    expect(check).toEqual({
      ok: true,
      accessKeyId: credentials.accessKeyId,
      region: 'us-east-1',
      service: 'execute-api',
      verified: true,
    });
  });

  it('rejects a request whose body changed after signing', async () => {
    const request = await signedRequest();

    const check = await verifySigV4({ ...request, body: Buffer.from('{"a":2}') }, secretFor);

    expect(check).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('rejects a request whose path changed after signing', async () => {
    const request = await signedRequest();

    const check = await verifySigV4({ ...request, path: '/packages/d-2' }, secretFor);

    expect(check).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('rejects a signature more than 15 minutes old', async () => {
    const request = await signedRequest({ date: new Date(Date.now() - 16 * 60 * 1000) });

    const check = await verifySigV4(request, secretFor);

    expect(check).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('accepts an unknown key unverified, as an administrator', async () => {
    const request = await signedRequest({ accessKeyId: 'AKIADEVELOPER' });

    const check = await verifySigV4(request, secretFor);

    expect(check).toMatchObject({ ok: true, accessKeyId: 'AKIADEVELOPER', verified: false });
  });

  it('reports a request without Authorization header as missing', async () => {
    const check = await verifySigV4(
      { method: 'GET', path: '/', rawQuery: '', headers: {}, body: Buffer.alloc(0) },
      secretFor,
    );

    expect(check).toMatchObject({ ok: false, reason: 'missing' });
  });
});
