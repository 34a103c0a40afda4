import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBody, splitTarget } from '../edge/http.ts';
import { createApiProxy, proxyTarget } from './api-proxy.ts';

const seen: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];
let upstream: Server;
let proxyServer: Server;
let upstreamUrl = '';
let proxyUrl = '';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  upstream = createServer(async (incoming, outgoing) => {
    const body = (await readBody(incoming, 1024 * 1024)).toString('utf8');
    seen.push({ method: incoming.method ?? '', url: incoming.url ?? '', headers: incoming.headers, body });
    outgoing.writeHead(201, {
      'content-type': 'application/json',
      location: '/v1/orders/o-1',
      'x-extra': 'yes',
    });
    outgoing.end(JSON.stringify({ ok: true }));
  });
  upstreamUrl = await listen(upstream);
  const proxy = createApiProxy({
    apis: () => [
      { logicalId: 'PublicApi', url: upstreamUrl },
      { logicalId: 'GoneApi', url: 'http://127.0.0.1:9' },
    ],
    maxBodyBytes: 64,
  });
  proxyServer = createServer((incoming, outgoing) => {
    const { rawPath, rawQuery } = splitTarget(incoming.url);
    const path = rawPath.slice('/_local'.length);
    if (!proxy.handles(path)) {
      outgoing.writeHead(418).end();
      return;
    }
    void proxy.handle(incoming, outgoing, path, rawQuery);
  });
  proxyUrl = await listen(proxyServer);
});

afterAll(async () => {
  for (const server of [upstream, proxyServer]) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

describe('proxyTarget', () => {
  const apis = [{ logicalId: 'PublicApi', url: 'http://127.0.0.1:3000' }];

  it('finds the API and the path on it', () => {
    expect(proxyTarget('/apis/PublicApi/v1/orders', apis)).toEqual({
      url: 'http://127.0.0.1:3000',
      rest: '/v1/orders',
    });
    expect(proxyTarget('/apis/PublicApi', apis)).toEqual({ url: 'http://127.0.0.1:3000', rest: '/' });
  });

  it('finds nothing for another API, a path outside /apis or a malformed name', () => {
    expect(proxyTarget('/apis/Other/v1', apis)).toBeUndefined();
    expect(proxyTarget('/faults', apis)).toBeUndefined();
    expect(proxyTarget('/apis/%E0%A4%A/v1', apis)).toBeUndefined();
  });
});

describe('createApiProxy', () => {
  it('passes the request on with its method, path, query, body and headers but the browser’s own', async () => {
    seen.length = 0;

    const response = await fetch(`${proxyUrl}/_local/apis/PublicApi/v1/orders?limit=5`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer t',
        'content-type': 'application/json',
        origin: 'http://127.0.0.1:4566',
        cookie: 'session=1',
      },
      body: '{"a":1}',
    });

    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe('/v1/orders/o-1');
    expect(response.headers.get('x-extra')).toBe('yes');
    expect(await response.json()).toEqual({ ok: true });
    expect(seen).toEqual([
      expect.objectContaining({ method: 'POST', url: '/v1/orders?limit=5', body: '{"a":1}' }),
    ]);
    expect(seen[0]?.headers).toMatchObject({ authorization: 'Bearer t', 'content-type': 'application/json' });
    expect(seen[0]?.headers).not.toHaveProperty('origin');
    expect(seen[0]?.headers).not.toHaveProperty('cookie');
  });

  it('answers 404 naming the APIs for an unknown API', async () => {
    const response = await fetch(`${proxyUrl}/_local/apis/Nope/v1`);

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: 'no HTTP API named by /apis/Nope/v1; the APIs: PublicApi, GoneApi',
    });
  });

  it('answers 413 to a body above its limit, 502 when the API does not answer', async () => {
    const large = await fetch(`${proxyUrl}/_local/apis/PublicApi/v1`, {
      method: 'POST',
      body: 'x'.repeat(65),
    });
    const gone = await fetch(`${proxyUrl}/_local/apis/GoneApi/v1`);

    expect(large.status).toBe(413);
    expect(gone.status).toBe(502);
    expect(((await gone.json()) as { error: string }).error).toMatch(/did not answer/);
  });

  it('answers only paths below /apis/<name>', () => {
    const proxy = createApiProxy({ apis: () => [] });

    expect([
      proxy.handles('/apis/X'),
      proxy.handles('/apis/X/v1'),
      proxy.handles('/apis'),
      proxy.handles('/apisX'),
    ]).toEqual([true, true, false, false]);
  });
});
