import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { PutEventsRequestEntry } from '../eventbridge/index.ts';
import type { FunctionFault } from '../lambda/host.ts';
import { silentLogger } from '../log.ts';
import { type AdminRequest, createAdminApi, envelopeProblem } from './api.ts';
import type { DeadLetterTools } from './dlq.ts';
import type { DeliveryObserver, EventOutcome } from './observer.ts';

function fakes(buses = ['default', 'app-bus']) {
  const put: PutEventsRequestEntry[] = [];
  let faults: FunctionFault[] = [];
  let duplicateRate = 0;
  const outcome: EventOutcome = {
    eventId: 'e-1',
    source: 'app.orders',
    detailType: 'OrderPlaced',
    eventBusName: 'app-bus',
    receivedAt: '2026-01-01T10:00:00.000Z',
    matchedRules: ['r'],
    targets: [],
    settled: true,
    failed: false,
  };
  const observer: DeliveryObserver = {
    onBatch: () => {},
    outcome: (eventId) => (eventId === 'e-1' ? outcome : undefined),
    waitFor: async (eventIds) => ({ settled: true, events: eventIds.map(() => outcome) }),
    replayedEventIds: (name) => (name === 'replay-1' ? ['e-1'] : []),
    reports: () => [],
    consumedRecords: () => [],
    lastFailure: () => undefined,
    close: () => {},
  };
  const deadLetters: DeadLetterTools = {
    list: async () => [],
    show: async () => {
      throw new Error('not used');
    },
    redrive: async (queue, to) => ({ queue, destination: to ?? 'source', moved: 2 }),
  };
  const api = createAdminApi({
    events: {
      putEvents: async (entries) => {
        put.push(...entries);
        return {
          FailedEntryCount: 0,
          Entries: entries.map((_, index) => ({ EventId: `id-${put.length}-${index}` })),
        };
      },
      buses: () => buses.map((name) => ({ name })),
    },
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
    observer,
    deadLetters,
    logDir: '/nonexistent',
    log: silentLogger,
  });
  return { api, put, faults: () => faults };
}

const request = (method: string, path: string, body?: unknown, query = ''): AdminRequest => ({
  method,
  path,
  query: new URLSearchParams(query),
  body,
});

const envelope = {
  source: 'app.orders',
  'detail-type': 'OrderPlaced',
  detail: { orderId: 'o-1' },
  id: 'fx-1',
};

describe('admin API: faults', () => {
  it('sets the function faults and the duplicate rate with PUT', async () => {
    const { api } = fakes();

    const response = await api.route(
      request('PUT', '/faults', {
        functions: [{ function: 'OrderConsumer', errorRate: 1 }],
        sqsDuplicateRate: 0.5,
      }),
    );

    expect(response).toEqual({
      status: 200,
      body: { functions: [{ function: 'OrderConsumer', errorRate: 1 }], sqsDuplicateRate: 0.5 },
    });
  });

  it('refuses a fault that matches no function and keeps the old faults', async () => {
    const { api, faults } = fakes();

    const response = await api.route(request('PUT', '/faults', [{ function: 'Typo', errorRate: 1 }]));

    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: 'no function matches "Typo" (by logical id or part of its name)',
    });
    expect(faults()).toEqual([]);
  });

  it('refuses an error rate above 1', async () => {
    const { api } = fakes();

    const response = await api.route(
      request('PUT', '/faults', [{ function: 'OrderConsumer', errorRate: 2 }]),
    );

    expect(response.status).toBe(400);
  });

  it('adds a fault with POST, replacing one for the same function', async () => {
    const { api } = fakes();
    await api.route(request('POST', '/faults', { function: 'OrderConsumerFn', errorRate: 1 }));

    const response = await api.route(
      request('POST', '/faults', { function: 'OrderConsumerFn', latencyMs: 200 }),
    );

    expect(response.body).toEqual({
      functions: [{ function: 'OrderConsumerFn', latencyMs: 200 }],
      sqsDuplicateRate: 0,
    });
  });

  it('clears every fault with DELETE', async () => {
    const { api } = fakes();
    await api.route(
      request('PUT', '/faults', {
        functions: [{ function: 'OrderConsumer', errorRate: 1 }],
        sqsDuplicateRate: 1,
      }),
    );

    const response = await api.route(request('DELETE', '/faults'));

    expect(response.body).toEqual({ functions: [], sqsDuplicateRate: 0 });
  });
});

describe('admin API: replay and outcomes', () => {
  it('puts each envelope on the only custom bus, keeping its time', async () => {
    const { api, put } = fakes();

    const response = await api.route(
      request('POST', '/replay', { envelopes: [{ ...envelope, time: '2026-01-01T10:00:00Z' }] }),
    );

    expect(put).toEqual([
      {
        EventBusName: 'app-bus',
        Source: 'app.orders',
        DetailType: 'OrderPlaced',
        Detail: '{"orderId":"o-1"}',
        Time: '2026-01-01T10:00:00Z',
      },
    ]);
    expect(response.body).toMatchObject({
      bus: 'app-bus',
      events: [{ index: 0, originalId: 'fx-1', eventId: 'id-1-0' }],
    });
  });

  it('uses the default bus when the template has several custom buses', async () => {
    const { api, put } = fakes(['default', 'a', 'b']);

    await api.route(request('POST', '/replay', { envelopes: [envelope] }));

    expect(put[0]?.EventBusName).toBe('default');
  });

  it('sends nothing when one envelope is malformed', async () => {
    const { api, put } = fakes();

    const response = await api.route(request('POST', '/replay', { envelopes: [envelope, { source: 'x' }] }));

    expect(response).toEqual({ status: 400, body: { error: 'envelope 1: detail-type is missing' } });
    expect(put).toEqual([]);
  });

  it('answers the outcomes of a replay by its name', async () => {
    const { api } = fakes();

    const response = await api.route(request('POST', '/outcomes', { replayName: 'replay-1', timeoutMs: 10 }));

    expect(response.body).toMatchObject({ settled: true, events: [{ eventId: 'e-1' }] });
  });

  it('answers 404 for an event the bus never saw', async () => {
    const { api } = fakes();

    const response = await api.route(request('GET', '/events/nope'));

    expect(response.status).toBe(404);
  });
});

describe('admin API: routing', () => {
  it('redrives a dead-letter queue named in the path', async () => {
    const { api } = fakes();

    const response = await api.route(request('POST', '/dlqs/orders-dlq/redrive', { to: 'orders' }));

    expect(response.body).toEqual({ queue: 'orders-dlq', destination: 'orders', moved: 2 });
  });

  it('answers 404 with the list hint for an unknown route', async () => {
    const { api } = fakes();

    const response = await api.route(request('GET', '/nothing'));

    expect(response).toEqual({
      status: 404,
      body: { error: 'no admin route GET /_local/nothing; GET /_local/ lists them' },
    });
  });

  it('needs a value and a key for a trace', async () => {
    const { api } = fakes();

    const response = await api.route(request('GET', '/trace', undefined, 'value=d-1'));

    expect(response.status).toBe(400);
  });

  it('serves the routes over HTTP under /_local', async () => {
    const { api } = fakes();
    const server = createServer((incoming, outgoing) => void api.handle(incoming, outgoing));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;

    const response = await fetch(`http://127.0.0.1:${port}/_local/faults`);

    expect(await response.json()).toEqual({ functions: [], sqsDuplicateRate: 0 });
    server.close();
  });

  it('answers 400 to a body that is not JSON', async () => {
    const { api } = fakes();
    const server = createServer((incoming, outgoing) => void api.handle(incoming, outgoing));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;

    const response = await fetch(`http://127.0.0.1:${port}/_local/faults`, { method: 'PUT', body: '{oops' });

    expect(response.status).toBe(400);
    server.close();
  });
});

describe('envelopeProblem', () => {
  it('accepts an envelope with source, detail-type and an object detail', () => {
    expect(envelopeProblem(envelope)).toBeUndefined();
  });

  it('names a time that is not ISO 8601', () => {
    expect(envelopeProblem({ ...envelope, time: 'yesterday' })).toBe('time is not an ISO 8601 time');
  });
});
