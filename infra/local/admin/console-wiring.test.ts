import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MiniCloud, orderEnvelope, startMiniCloud } from './test-support.ts';

// The admin part as the edge mounts it, on the mini cloud: the console's routes, the activity
// stream, the console's files and the proxy, beside the admin API's own routes.

let cloud: MiniCloud;
let fixturesDir: string;

beforeAll(async () => {
  fixturesDir = await mkdtemp(join(tmpdir(), 'console-fixtures-'));
  await writeFile(join(fixturesDir, 'order.json'), JSON.stringify(orderEnvelope('o-7')));
  cloud = await startMiniCloud({ console: { fixturesDir } });
});

afterAll(async () => {
  await cloud.stop();
  await rm(fixturesDir, { recursive: true, force: true });
});

const get = (path: string) => fetch(`${cloud.client.edge}/_local${path}`);

describe('the admin part as the edge serves it', () => {
  it('lists every queue with its depth and oldest message, read from the SQS emulator', async () => {
    const dlq = cloud.stack.resources.get('OrdersDlq')!;
    await cloud.sqs.call('SendMessage', { QueueUrl: dlq.ref, MessageBody: '{}' });

    const { queues } = await cloud.client.request<{
      queues: { name: string; visible: number; isDeadLetterQueue: boolean; oldestAgeSeconds?: number }[];
    }>('GET', '/queues');

    expect(queues.map((queue) => queue.name)).toEqual(['orders', 'orders-dlq', 'orders-target-dlq']);
    expect(queues.find((queue) => queue.name === 'orders-dlq')).toMatchObject({
      visible: 1,
      isDeadLetterQueue: true,
      oldestAgeSeconds: expect.any(Number),
    });
  });

  it('lists the functions with their faults', async () => {
    await cloud.client.request('POST', '/faults', { function: 'OrderConsumerFn', errorRate: 0.5 });

    const { functions } = await cloud.client.request<{ functions: unknown[] }>('GET', '/functions');
    await cloud.client.request('DELETE', '/faults');

    expect(functions).toEqual([
      {
        logicalId: 'OrderConsumerFn',
        name: 'test-OrderConsumer',
        faults: [{ function: 'OrderConsumerFn', errorRate: 0.5 }],
      },
    ]);
  });

  it('streams the events the bus routes', async () => {
    const response = await get('/stream?types=event');
    const reader = response.body!.getReader();

    await cloud.client.request('POST', '/replay', { envelopes: [orderEnvelope('o-1')] });
    let text = '';
    while (!text.includes('"orderId":"o-1"')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();

    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(text).toMatch(/event: event\ndata: \{"eventId":"[^"]+","bus":"test-bus","source":"app\.orders"/);
  });

  it('replays a fixture of the folder it was given', async () => {
    const listed = await cloud.client.request<{ fixtures: unknown[] }>('GET', '/fixtures');
    const replayed = await cloud.client.request<{ failed: boolean; text: string }>(
      'POST',
      '/fixtures/replay',
      {
        name: 'order.json',
        timeoutMs: 10_000,
      },
    );

    expect(listed.fixtures).toEqual([{ name: 'order.json', events: 1 }]);
    expect(replayed.failed).toBe(false);
    expect(replayed.text).toContain('matched orders-to-queue');
  });

  it('serves the console page, with no application plugin unless configured', async () => {
    const page = await get('/console/');
    const config = await (await get('/console/config.json')).json();

    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module" src="main.js"></script>');
    expect(config).toEqual({ app: null });
  });

  it('proxies to no HTTP API when the stack has none, and mints no token', async () => {
    const proxied = await get('/apis/PublicApi/v1/orders');
    const token = await fetch(`${cloud.client.edge}/_local/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });

    expect(proxied.status).toBe(404);
    expect(token.status).toBe(404);
  });

  it('lists the routes of the other modules, and answers 400 to a malformed path', async () => {
    const { routes } = await cloud.client.request<{ routes: string[] }>('GET', '/');
    const malformed = await get('/dlqs/%E0%A4%A/messages');

    expect(routes.join('\n')).toMatch(/GET +\/_local\/queues[\s\S]*POST +\/_local\/fixtures\/replay/);
    expect(malformed.status).toBe(400);
  });
});
