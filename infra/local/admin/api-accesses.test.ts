import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HttpApiAccess } from '../apigateway/http-apis.ts';
import { accessHops, createAccessLog } from './api-accesses.ts';
import { buildTrace } from './trace.ts';

function access(requestId: string, headers: Record<string, string> = {}): HttpApiAccess {
  return {
    at: '2026-01-01T10:00:01.500Z',
    api: 'InternalApi',
    requestId,
    method: 'PUT',
    path: '/orders/o-1',
    routeKey: 'PUT /orders/{id}',
    status: 200,
    latencyMs: 500,
    headers,
  };
}

describe('createAccessLog', () => {
  it('keeps the most recent requests', () => {
    const log = createAccessLog(2);

    for (const id of ['r-1', 'r-2', 'r-3']) log.record(access(id));

    expect(log.list().map((entry) => entry.requestId)).toEqual(['r-2', 'r-3']);
  });
});

describe('accessHops', () => {
  it('makes a hop, at the request start, of each request whose id or headers carry a correlation id', () => {
    const accesses = [access('corr-1'), access('r-2', { 'x-correlation-id': 'corr-2' }), access('r-3')];

    const hops = accessHops(accesses, new Set(['corr-1', 'corr-2']));

    expect(hops).toEqual([
      {
        time: '2026-01-01T10:00:01.000Z',
        source: 'api:InternalApi',
        message: 'PUT /orders/o-1 → 200',
        fields: { route: 'PUT /orders/{id}', latencyMs: '500', requestId: 'corr-1' },
      },
      expect.objectContaining({ fields: expect.objectContaining({ requestId: 'r-2' }) }),
    ]);
  });

  it('joins the hops of the trace, in time order, when the trace is given them', async () => {
    const logDir = await mkdtemp(join(tmpdir(), 'api-accesses-'));
    try {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(
        join(logDir, 'Orders.log'),
        `${JSON.stringify({ message: 'order placed', timestamp: '2026-01-01T10:00:02.000Z', correlation_id: 'corr-1', orderId: 'o-1' })}\n`,
      );

      const trace = await buildTrace(logDir, 'o-1', 'correlation_id', {
        reports: [],
        consumed: [],
        more: (ids) => accessHops([access('r-9', { 'x-correlation-id': 'corr-1' })], ids),
      });

      expect(trace.hops.map((hop) => hop.message)).toEqual(['PUT /orders/o-1 → 200', 'order placed']);
    } finally {
      await rm(logDir, { recursive: true, force: true });
    }
  });
});
