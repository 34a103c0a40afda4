import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryReport } from '../eventbridge/index.ts';
import type { BatchObservation } from '../lambda/event-source-mappings.ts';
import { type ActivityStream, createActivityStream, formatStreamMessage, parseTypes } from './stream.ts';

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:orders';

function sources() {
  const reportListeners = new Set<(report: DeliveryReport) => void>();
  const batchListeners = new Set<(observation: BatchObservation) => void>();
  return {
    events: {
      subscribe(listener: (report: DeliveryReport) => void) {
        reportListeners.add(listener);
        return () => reportListeners.delete(listener);
      },
    },
    batches: {
      subscribe(listener: (observation: BatchObservation) => void) {
        batchListeners.add(listener);
        return () => batchListeners.delete(listener);
      },
    },
    report: (report: DeliveryReport) => {
      for (const listener of reportListeners) listener(report);
    },
    batch: (observation: BatchObservation) => {
      for (const listener of batchListeners) listener(observation);
    },
    listening: () => reportListeners.size + batchListeners.size,
  };
}

function matched(eventId: string): DeliveryReport {
  return {
    kind: 'matched',
    eventId,
    eventBusName: 'app-bus',
    event: {
      version: '0',
      id: eventId,
      'detail-type': 'OrderPlaced',
      source: 'app.orders',
      account: '000000000000',
      time: '2026-01-01T10:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: { orderId: 'o-1' },
    },
    matchedRules: [
      { name: 'orders-rule', arn: 'arn:aws:events:us-east-1:000000000000:rule/app-bus/orders-rule' },
    ],
  };
}

function batch(ok: boolean): BatchObservation {
  return {
    mapping: 'Mapping',
    functionName: 'OrderConsumer',
    eventSourceArn: QUEUE_ARN,
    records: [
      {
        messageId: 'm-1',
        body: JSON.stringify({ id: 'e-1', source: 'app.orders', 'detail-type': 'OrderPlaced', detail: {} }),
        receiveCount: 2,
        messageAttributes: {},
      },
    ],
    result: ok ? { ok: true, payload: null } : { ok: false, errorType: 'Error', errorMessage: 'boom' },
    failedMessageIds: ok ? [] : ['m-1'],
    duplicate: false,
    startedAt: new Date('2026-01-01T10:00:01Z'),
    finishedAt: new Date('2026-01-01T10:00:02Z'),
  };
}

const NOW = () => new Date('2026-01-01T10:00:03.000Z');
let server: Server | undefined;
let stream: ActivityStream | undefined;

afterEach(async () => {
  stream?.close();
  await new Promise<void>((resolve) => {
    if (!server) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
  server = undefined;
  stream = undefined;
});

async function serve(activity: ActivityStream): Promise<string> {
  server = createServer((incoming, outgoing) => activity.handle(incoming, outgoing));
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/_local/stream`;
}

/** Reads the stream until `count` messages came (the `retry` line and comments are skipped). */
async function readMessages(response: Response, count: number): Promise<string[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const messages = () => text.split('\n\n').filter((block) => block.startsWith('id: '));
  while (messages().length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return messages();
}

describe('formatStreamMessage and parseTypes', () => {
  it('writes a message as id, event and data lines ending in a blank line', () => {
    expect(formatStreamMessage({ id: 7, type: 'event', data: { a: 1 } })).toBe(
      'id: 7\nevent: event\ndata: {"a":1}\n\n',
    );
  });

  it('reads a list of types and refuses an unknown one', () => {
    expect(parseTypes(null)).toBeUndefined();
    expect(parseTypes(' event, consumer ')).toEqual(new Set(['event', 'consumer']));
    expect(() => parseTypes('event,bogus')).toThrow(/unknown type "bogus"/);
  });
});

describe('createActivityStream', () => {
  it('keeps routed events, target outcomes and consumed records as messages', () => {
    const source = sources();
    stream = createActivityStream({ ...source, now: NOW });

    source.report(matched('e-1'));
    source.report({
      kind: 'target',
      eventId: 'e-1',
      outcome: 'dead-lettered',
      ruleName: 'orders-rule',
      ruleArn: 'arn:rule',
      targetId: 'Queue',
      targetArn: QUEUE_ARN,
      retries: 3,
      deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:orders-dlq',
      errorCode: 'SQS.Failure',
      errorMessage: 'refused',
    });
    source.batch(batch(false));

    expect(stream.messages()).toEqual([
      {
        id: 1,
        type: 'event',
        data: {
          eventId: 'e-1',
          bus: 'app-bus',
          source: 'app.orders',
          detailType: 'OrderPlaced',
          time: '2026-01-01T10:00:00Z',
          resources: [],
          detail: { orderId: 'o-1' },
          matchedRules: ['orders-rule'],
          seenAt: '2026-01-01T10:00:03.000Z',
        },
      },
      {
        id: 2,
        type: 'target',
        data: {
          eventId: 'e-1',
          rule: 'orders-rule',
          targetId: 'Queue',
          target: 'orders',
          outcome: 'dead-lettered',
          retries: 3,
          deadLetterQueue: 'orders-dlq',
          error: 'SQS.Failure: refused',
          seenAt: '2026-01-01T10:00:03.000Z',
        },
      },
      {
        id: 3,
        type: 'consumer',
        data: {
          at: '2026-01-01T10:00:02.000Z',
          function: 'OrderConsumer',
          queue: 'orders',
          messageId: 'm-1',
          receiveCount: 2,
          ok: false,
          duplicate: false,
          eventId: 'e-1',
          error: 'Error: boom',
          seenAt: '2026-01-01T10:00:03.000Z',
        },
      },
    ]);
  });

  it('keeps only the most recent messages of its backlog', () => {
    const source = sources();
    stream = createActivityStream({ ...source, backlog: 2 });

    for (const id of ['e-1', 'e-2', 'e-3']) source.report(matched(id));

    expect(stream.messages().map((message) => message.id)).toEqual([2, 3]);
  });

  it('sends the backlog after Last-Event-ID, of the types asked for, then live messages', async () => {
    const source = sources();
    stream = createActivityStream({ ...source, now: NOW });
    source.report(matched('e-1'));
    source.batch(batch(true));
    source.report(matched('e-2'));
    const url = await serve(stream);

    const response = await fetch(`${url}?types=event`, { headers: { 'last-event-id': '1' } });
    const reading = readMessages(response, 2);
    await expect.poll(() => stream?.readers()).toBe(1);
    source.batch(batch(true));
    source.report(matched('e-3'));
    const messages = await reading;

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(messages.map((message) => message.split('\n').slice(0, 2).join(' '))).toEqual([
      'id: 3 event: event',
      'id: 5 event: event',
    ]);
    expect(JSON.parse(messages[1]!.split('\n')[2]!.slice('data: '.length))).toMatchObject({ eventId: 'e-3' });
  });

  it('takes ?since= when no Last-Event-ID is sent', async () => {
    const source = sources();
    stream = createActivityStream(source);
    source.report(matched('e-1'));
    source.report(matched('e-2'));
    const url = await serve(stream);

    const messages = await readMessages(await fetch(`${url}?since=1`), 1);

    expect(messages[0]).toMatch(/^id: 2\n/);
  });

  it('answers 400 to an unknown type or a since that is no message id', async () => {
    stream = createActivityStream(sources());
    const url = await serve(stream);

    const badType = await fetch(`${url}?types=nope`);
    const badSince = await fetch(`${url}?since=-4`);

    expect(badType.status).toBe(400);
    expect(await badType.json()).toEqual({ error: 'unknown type "nope" (event, target, consumer)' });
    expect(badSince.status).toBe(400);
  });

  it('forgets a reader that went away', async () => {
    stream = createActivityStream(sources());
    const url = await serve(stream);
    const controller = new AbortController();
    await fetch(url, { signal: controller.signal });
    await expect.poll(() => stream?.readers()).toBe(1);

    controller.abort();

    await expect.poll(() => stream?.readers()).toBe(0);
  });

  it('lets go of a reader too far behind rather than buffer for it without end', () => {
    const source = sources();
    stream = createActivityStream({ ...source, maxBufferedBytes: 100 });
    const written: string[] = [];
    let destroyed = false;
    // A response whose client reads nothing: what is written stays buffered.
    const outgoing = {
      writableLength: 0,
      writeHead: () => outgoing,
      write(text: string) {
        written.push(text);
        outgoing.writableLength += text.length;
        return true;
      },
      destroy: () => {
        destroyed = true;
      },
      on: () => outgoing,
      end: () => outgoing,
    };
    stream.handle({ url: '/_local/stream', headers: {} } as never, outgoing as never);

    source.report(matched('e-1'));
    source.report(matched('e-2'));

    expect(written.filter((text) => text.startsWith('id: '))).toHaveLength(1);
    expect(destroyed).toBe(true);
  });

  it('keeps idle readers open with comment lines and ends them on close', async () => {
    const source = sources();
    stream = createActivityStream({ ...source, heartbeatMs: 10 });
    const url = await serve(stream);
    const response = await fetch(url);
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes(': keep-alive')) text += new TextDecoder().decode((await reader.read()).value);

    stream.close();
    let done = false;
    while (!done) done = (await reader.read()).done;

    expect(source.listening()).toBe(0);
    expect(stream.readers()).toBe(0);
  });
});
