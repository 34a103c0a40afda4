import { afterEach, describe, expect, it } from 'vitest';
import { createIdentityRegistry } from '../auth/identities.ts';
import { stackOf } from '../auth/test-support.ts';
import { createEdge, type Edge } from '../edge/edge.ts';
import { silentLogger } from '../log.ts';

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
