import { describe, expect, it, vi } from 'vitest';
import { withCorrelationId } from './correlation.ts';
import { DownstreamError } from './errors.ts';
import { createInternalApiClient } from './internal-api.ts';

const credentials = async () => ({ accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' });

function clientWith(fetchImpl: typeof fetch) {
  return createInternalApiClient({
    baseUrl: 'https://internal.example.com',
    region: 'us-east-1',
    downstream: 'package',
    timeoutMs: 1_000,
    credentials,
    fetch: fetchImpl,
  });
}

describe('createInternalApiClient', () => {
  it('signs the request with SigV4 and carries the correlation id', async () => {
    const fetchFake = vi.fn(async () => new Response('{"ok":true}', { status: 200 }));
    const client = clientWith(fetchFake as unknown as typeof fetch);

    const response = await withCorrelationId('corr-9', () =>
      client.request('PUT', '/packages/d-1', { size: 'Small' }),
    );

    expect(response).toEqual({ status: 200, body: { ok: true } });
    const [url, init] = fetchFake.mock.calls[0] as unknown as [URL, RequestInit];
    const headers = init.headers as Record<string, string>;
    expect(String(url)).toBe('https://internal.example.com/packages/d-1');
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/us-east-1\/execute-api\/aws4_request/,
    );
    expect(headers['x-correlation-id']).toBe('corr-9');
    expect(init.body).toBe('{"size":"Small"}');
  });

  it.each([
    [503, true],
    [429, true],
    [408, true],
    [422, false],
    [404, false],
  ])('maps status %i to a downstream error (transient: %s)', async (status, transient) => {
    const client = clientWith(
      (async () =>
        new Response(JSON.stringify({ type: 'x', detail: 'why' }), { status })) as unknown as typeof fetch,
    );

    const call = client.request('GET', '/accounts/a');

    await expect(call).rejects.toBeInstanceOf(DownstreamError);
    await expect(call).rejects.toMatchObject({ transient, statusCode: status, problem: { detail: 'why' } });
  });

  it('treats a network failure as transient', async () => {
    const client = clientWith((async () => {
      throw new TypeError('fetch failed');
    }) as unknown as typeof fetch);

    await expect(client.request('GET', '/accounts/a')).rejects.toMatchObject({
      transient: true,
      downstream: 'package',
    });
  });

  it('keeps a non-JSON error body as its detail', async () => {
    const client = clientWith(
      (async () => new Response('gateway says no', { status: 502 })) as unknown as typeof fetch,
    );

    await expect(client.request('GET', '/x')).rejects.toMatchObject({
      problem: { detail: 'gateway says no' },
    });
  });

  it('returns an empty body as undefined', async () => {
    const client = clientWith((async () => new Response(null, { status: 204 })) as unknown as typeof fetch);

    await expect(client.request('DELETE', '/x')).resolves.toEqual({ status: 204, body: undefined });
  });
});
