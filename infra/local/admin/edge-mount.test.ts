import { afterEach, describe, expect, it } from 'vitest';
import { createIdentityRegistry } from '../auth/identities.ts';
import { stackOf } from '../auth/test-support.ts';
import { createEdge, type Edge } from '../edge/edge.ts';
import type { FunctionFault } from '../lambda/host.ts';
import { silentLogger } from '../log.ts';
import { createAdminApi } from './api.ts';
import { createAdminClient } from './client.ts';

let edge: Edge | undefined;

afterEach(async () => {
  await edge?.close();
  edge = undefined;
});

async function startEdge(admin?: Parameters<typeof createEdge>[0]['admin']): Promise<Edge> {
  return createEdge({
    port: 0,
    dynamodbUrl: 'http://127.0.0.1:9',
    sqsUrl: 'http://127.0.0.1:9',
    events: { handle: async () => ({ status: 200, body: {} }) },
    lambda: { invoke: async () => ({ ok: true, payload: null }) },
    identities: createIdentityRegistry(stackOf([]), { secretSeed: 'test' }),
    log: silentLogger,
    ...(admin ? { admin } : {}),
  });
}

/** The real admin API over a function host that only keeps its faults (the rest is never called here). */
function faultKeepingAdmin() {
  let faults: FunctionFault[] = [];
  let duplicateRate = 0;
  const api = createAdminApi({
    events: { putEvents: async () => ({ FailedEntryCount: 0, Entries: [] }), buses: () => [] },
    lambda: {
      getFaults: () => faults,
      setFaults: (next) => {
        faults = next;
      },
      functions: () => [{ logicalId: 'OrderConsumerFn', name: 'stack-OrderConsumer' }],
    },
    eventSourceMappings: {
      setDuplicateRate: (rate) => {
        duplicateRate = rate;
      },
      duplicateRate: () => duplicateRate,
    },
    observer: {
      onBatch: () => {},
      outcome: () => undefined,
      waitFor: async () => ({ settled: true, events: [] }),
      replayedEventIds: () => [],
      reports: () => [],
      consumedRecords: () => [],
      lastFailure: () => undefined,
      close: () => {},
    },
    deadLetters: {
      list: async () => [],
      show: async (queue) => {
        throw new Error(`no dead-letter queue ${queue} here`);
      },
      redrive: async (queue) => ({ queue, destination: 'source', moved: 0 }),
    },
    logDir: '/nonexistent',
    log: silentLogger,
  });
  return { api, faults: () => faults };
}

const FAULT = JSON.stringify({ function: 'OrderConsumer', errorRate: 1 });

describe('the edge mounting the admin API', () => {
  it('hands /_local/ requests to the admin API without asking for a signature', async () => {
    const seen: string[] = [];
    edge = await startEdge({
      handle: async (incoming, outgoing) => {
        seen.push(`${incoming.method} ${incoming.url}`);
        outgoing.writeHead(200, { 'content-type': 'application/json' });
        outgoing.end('{"functions":[]}');
      },
    });

    const response = await fetch(`${edge.url}/_local/faults?x=1`);

    expect(response.status).toBe(200);
    expect(seen).toEqual(['GET /_local/faults?x=1']);
  });

  it('keeps answering AWS requests as before when no admin API is mounted', async () => {
    edge = await startEdge();

    const response = await fetch(`${edge.url}/_local/faults`);

    expect(response.status).toBe(400);
  });
});

describe('the admin API guard on the edge', () => {
  it('refuses a cross-origin POST with a 403 problem and changes nothing', async () => {
    const admin = faultKeepingAdmin();
    edge = await startEdge(admin.api);

    const response = await fetch(`${edge.url}/_local/faults`, {
      method: 'POST',
      headers: { origin: 'https://attacker.example', 'content-type': 'application/json' },
      body: FAULT,
    });

    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
      detail: expect.stringContaining('Origin https://attacker.example is refused'),
      instance: '/_local/faults',
    });
    expect(admin.faults()).toEqual([]);
  });

  it('refuses a cross-origin preflight, so that no page of another origin gets to send JSON', async () => {
    edge = await startEdge(faultKeepingAdmin().api);

    const response = await fetch(`${edge.url}/_local/faults`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://attacker.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });

    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a text/plain POST with a 415 problem and changes nothing', async () => {
    const admin = faultKeepingAdmin();
    edge = await startEdge(admin.api);

    const response = await fetch(`${edge.url}/_local/faults`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: FAULT,
    });

    expect(response.status).toBe(415);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({
      title: 'Unsupported Media Type',
      status: 415,
      detail: 'POST on the admin API needs Content-Type: application/json (got text/plain)',
    });
    expect(admin.faults()).toEqual([]);
  });

  it('adds a fault on a same-origin JSON POST, in the 127.0.0.1 and localhost forms of the origin', async () => {
    const admin = faultKeepingAdmin();
    edge = await startEdge(admin.api);
    const port = new URL(edge.url).port;

    const direct = await fetch(`${edge.url}/_local/faults`, {
      method: 'POST',
      headers: { origin: `http://127.0.0.1:${port}`, 'content-type': 'application/json; charset=utf-8' },
      body: FAULT,
    });
    const named = await fetch(`${edge.url}/_local/faults`, {
      method: 'PUT',
      headers: { origin: `http://localhost:${port}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sqsDuplicateRate: 0.5 }),
    });

    expect(direct.status).toBe(200);
    expect(named.status).toBe(200);
    expect(await named.json()).toEqual({
      functions: [{ function: 'OrderConsumer', errorRate: 1 }],
      sqsDuplicateRate: 0.5,
    });
  });

  it('clears the faults on a DELETE with neither body nor Content-Type', async () => {
    const admin = faultKeepingAdmin();
    edge = await startEdge(admin.api);
    await fetch(`${edge.url}/_local/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: FAULT,
    });

    const response = await fetch(`${edge.url}/_local/faults`, { method: 'DELETE' });

    expect(response.status).toBe(200);
    expect(admin.faults()).toEqual([]);
  });

  it('serves the admin client the CLIs use, reads and changes alike', async () => {
    const admin = faultKeepingAdmin();
    edge = await startEdge(admin.api);
    const client = createAdminClient(edge.url);

    const added = await client.request('POST', '/faults', JSON.parse(FAULT));
    const cleared = await client.request('DELETE', '/faults');
    const read = await client.request('GET', '/faults');

    expect(added).toMatchObject({ functions: [{ function: 'OrderConsumer', errorRate: 1 }] });
    expect(cleared).toEqual({ functions: [], sqsDuplicateRate: 0 });
    expect(read).toEqual(cleared);
  });
});
