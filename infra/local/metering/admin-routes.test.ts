// The meters on the admin API, through the edge's guard as the CLIs and a browser reach them.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AdminApi, createAdminApi } from '../admin/api.ts';
import { createAdminClient } from '../admin/client.ts';
import type { DeadLetterTools } from '../admin/dlq.ts';
import type { DeliveryObserver } from '../admin/observer.ts';
import { mountAdmin } from '../edge/admin-mount.ts';
import { silentLogger } from '../log.ts';
import { meterRoutes } from './admin-routes.ts';
import { createMeter, type Meter, type Meters } from './meter.ts';

function adminApi(meter: Meter): AdminApi {
  const unused = () => {
    throw new Error('not used by these tests');
  };
  const observer = {
    outcome: unused,
    waitFor: unused,
    replayedEventIds: unused,
    reports: unused,
    consumedRecords: unused,
    lastFailure: unused,
    onBatch: unused,
    close: unused,
  } as unknown as DeliveryObserver;
  const deadLetters: DeadLetterTools = { list: unused, show: unused, redrive: unused };
  return createAdminApi({
    events: { putEvents: unused, buses: () => [] },
    lambda: { getFaults: () => [], setFaults: unused, functions: () => [] },
    eventSourceMappings: { setDuplicateRate: unused, duplicateRate: () => 0 },
    observer,
    deadLetters,
    logDir: '/nonexistent',
    log: silentLogger,
    routes: [meterRoutes(meter)],
  });
}

describe('GET and DELETE /_local/meters', () => {
  const meter = createMeter();
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const api = adminApi(meter);
    const guarded = mountAdmin(api, '127.0.0.1');
    server = createServer((incoming, outgoing) => void guarded(incoming, outgoing));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    meter.reset();
    meter.sqsCall('orders', 'SendMessage', 70 * 1024);
  });

  it('shows the meters as JSON', async () => {
    // Act
    const response = await fetch(`${base}/_local/meters`);
    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const meters = (await response.json()) as Meters;
    expect(meters.sqs.orders).toMatchObject({ calls: 1, requests: 2 });
  });

  it('zeroes the meters on DELETE, as the CLIs send it', async () => {
    // Prepare
    const client = createAdminClient(base);
    // Act
    const answer = await client.request<Meters>('DELETE', '/meters');
    // Assess
    expect(answer.sqs).toEqual({});
    expect(meter.snapshot().sqs).toEqual({});
  });

  it('zeroes the meters on a plain DELETE without a body', async () => {
    // Act
    const response = await fetch(`${base}/_local/meters`, { method: 'DELETE' });
    // Assess
    expect(response.status).toBe(200);
    expect(meter.snapshot().sqs).toEqual({});
  });

  it('refuses a page of another origin and changes nothing', async () => {
    // Act
    const response = await fetch(`${base}/_local/meters`, {
      method: 'DELETE',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
    });
    // Assess
    expect(response.status).toBe(403);
    expect(meter.snapshot().sqs.orders).toMatchObject({ calls: 1 });
  });

  it('refuses a DELETE whose body is not said to be JSON', async () => {
    // Act
    const response = await fetch(`${base}/_local/meters`, {
      method: 'DELETE',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    // Assess
    expect(response.status).toBe(415);
    expect(meter.snapshot().sqs.orders).toMatchObject({ calls: 1 });
  });

  it('answers 405 to another method', async () => {
    // Act
    const response = await fetch(`${base}/_local/meters`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    // Assess
    expect(response.status).toBe(405);
    expect(await response.json()).toEqual({ error: 'PUT is not allowed on /_local/meters (GET, DELETE)' });
  });

  it('lists its routes on GET /_local/', async () => {
    // Act
    const response = await fetch(`${base}/_local/`);
    // Assess
    const { routes } = (await response.json()) as { routes: string[] };
    expect(routes).toContainEqual(expect.stringMatching(/^GET\s+\/_local\/meters\s/));
    expect(routes).toContainEqual(expect.stringMatching(/^DELETE\s+\/_local\/meters\s/));
  });
});
