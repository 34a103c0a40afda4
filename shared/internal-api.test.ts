import { BrokenCircuitError } from 'cockatiel';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { withCorrelationId } from './correlation.ts';
import { DownstreamError } from './errors.ts';
import { createInternalApiClient } from './internal-api.ts';
import { createDownstream } from './resilience.ts';
import { startTestServer } from './test-support/http-server.ts';

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

describe('the deadline of an internal call', () => {
  const servers: Array<{ close(): Promise<void> }> = [];

  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  async function stallingServer() {
    const server = await startTestServer('stall-body');
    servers.push(server);
    return server;
  }

  /**
   * These tests need the headers to arrive within the deadline, so that it is the body that runs it
   * out. The first call of a process pays for loading fetch and the signer; paid here, a deadline
   * of half a second leaves a local round trip of headers ample room on a busy machine.
   */
  const DEADLINE_MS = 500;
  beforeAll(async () => {
    const warm = await startTestServer('answer');
    try {
      await clientOf(warm.url, 30_000).request('GET', '/packages/warm-up');
    } finally {
      await warm.close();
    }
  });

  function clientOf(baseUrl: string, timeoutMs: number) {
    return createInternalApiClient({
      baseUrl,
      region: 'us-east-1',
      downstream: 'package',
      timeoutMs,
      credentials,
    });
  }

  it('fails a call whose body stalls after the headers as a transient timeout', async () => {
    const server = await stallingServer();
    const client = clientOf(server.url, DEADLINE_MS);

    const call = client.request('GET', '/packages/d-1');

    await expect(call).rejects.toBeInstanceOf(DownstreamError);
    await expect(call).rejects.toMatchObject({
      transient: true,
      downstream: 'package',
      message: `GET /packages/d-1 timed out after ${DEADLINE_MS} ms`,
    });
    expect(server.requests()).toBe(1);
  });

  it('lets the circuit breaker count a stalled body', async () => {
    const server = await stallingServer();
    const client = clientOf(server.url, DEADLINE_MS);
    const downstream = createDownstream(
      'package',
      { consecutiveFailures: 2, halfOpenAfterMs: 60_000 },
      { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, reserveMs: 0 },
    );
    const call = () =>
      downstream.call(
        () => client.request('GET', '/packages/d-1'),
        () => 30_000,
      );

    await expect(call()).rejects.toMatchObject({ transient: true });
    await expect(call()).rejects.toMatchObject({ transient: true });

    expect(downstream.state()).toBe('open');
    await expect(call()).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(server.requests()).toBe(2);
  });

  it('bounds the body by the same deadline even when fetch does not honour its signal for it', async () => {
    vi.useFakeTimers();
    // Headers at once, then a body that never ends, and a fetch that ignores the signal.
    const endless = new ReadableStream<Uint8Array>({ start: () => undefined });
    const client = createInternalApiClient({
      baseUrl: 'https://internal.example.com',
      region: 'us-east-1',
      downstream: 'package',
      timeoutMs: 3_000,
      credentials,
      fetch: (async () => new Response(endless, { status: 200 })) as unknown as typeof fetch,
    });
    const call = client.request('GET', '/packages/d-1');
    const outcome = call.then(
      () => 'answered',
      (error: unknown) => error,
    );

    await vi.advanceTimersByTimeAsync(2_999);
    const early = await Promise.race([outcome, Promise.resolve('pending')]);
    await vi.advanceTimersByTimeAsync(1);

    expect(early).toBe('pending');
    expect(await outcome).toMatchObject({
      transient: true,
      message: 'GET /packages/d-1 timed out after 3000 ms',
    });
  });

  it('bounds a fetch that never answers', async () => {
    vi.useFakeTimers();
    const client = createInternalApiClient({
      baseUrl: 'https://internal.example.com',
      region: 'us-east-1',
      downstream: 'package',
      timeoutMs: 3_000,
      credentials,
      fetch: (() => new Promise<Response>(() => undefined)) as unknown as typeof fetch,
    });
    const call = client.request('PUT', '/packages/d-1', {});
    const outcome = call.catch((error: unknown) => error);

    await vi.advanceTimersByTimeAsync(3_000);

    expect(await outcome).toMatchObject({
      transient: true,
      message: 'PUT /packages/d-1 timed out after 3000 ms',
    });
  });
});
