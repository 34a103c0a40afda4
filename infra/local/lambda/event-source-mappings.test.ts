import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { InvokeResult, LambdaInvoker, ResolvedResource, ResolvedStack } from '../model.ts';
import {
  type BatchObservation,
  createEventSourceMappings,
  type EventSourceMappings,
  failedItems,
} from './event-source-mappings.ts';
import { createLambdaHost } from './host.ts';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

let server: FauxqsServer;
let sqs: SQSClient;
const queueUrls = new Map<string, string>();
let mappings: EventSourceMappings | undefined;
let queueCounter = 0;

beforeAll(async () => {
  server = await startFauxqs({ port: 0, logger: false });
  sqs = new SQSClient({
    endpoint: server.address,
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterEach(async () => {
  await mappings?.stop();
  mappings = undefined;
});

afterAll(async () => {
  sqs.destroy();
  await server.stop();
});

async function createQueue(options: { fifo?: boolean; maxReceiveCount?: number } = {}) {
  queueCounter += 1;
  const suffix = options.fifo ? '.fifo' : '';
  const fifo = options.fifo ? { FifoQueue: 'true' } : {};
  const dlq = await sqs.send(
    new CreateQueueCommand({ QueueName: `dlq-${queueCounter}${suffix}`, Attributes: fifo }),
  );
  const dlqArn = await queueArn(dlq.QueueUrl ?? '');
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: `queue-${queueCounter}${suffix}`,
      Attributes: {
        ...fifo,
        VisibilityTimeout: '1',
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: options.maxReceiveCount ?? 5,
        }),
      },
    }),
  );
  const url = queue.QueueUrl ?? '';
  const arn = await queueArn(url);
  queueUrls.set(arn, url);
  queueUrls.set(dlqArn, dlq.QueueUrl ?? '');
  return { url, arn, dlqUrl: dlq.QueueUrl ?? '' };
}

async function queueArn(url: string): Promise<string> {
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return attributes.Attributes?.QueueArn ?? '';
}

async function sendBodies(url: string, bodies: string[], extra: Record<string, unknown> = {}): Promise<void> {
  for (let start = 0; start < bodies.length; start += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: bodies
          .slice(start, start + 10)
          .map((body, index) => ({ Id: String(index), MessageBody: body, ...extra })),
      }),
    );
  }
}

function queueDepth(url: string): number {
  const name = url.split('/').pop() ?? '';
  const state = server.inspectQueue(name);
  if (!state) return -1;
  return state.messages.ready.length + state.messages.inflight.length + state.messages.delayed.length;
}

function mappingResource(eventSourceArn: string, properties: Record<string, unknown> = {}): ResolvedResource {
  return {
    logicalId: 'ConsumerMapping',
    type: 'AWS::Lambda::EventSourceMapping',
    properties: { FunctionName: 'consumer', EventSourceArn: eventSourceArn, ...properties },
    physicalName: 'ConsumerMapping',
    ref: 'mapping-uuid',
    attributes: {},
    dependsOn: [],
  };
}

function stackWith(...resources: ResolvedResource[]): ResolvedStack {
  return {
    stackName: 'TestStack',
    region: REGION,
    accountId: ACCOUNT,
    cloudAssemblyDir: '/tmp',
    resources: new Map(resources.map((resource) => [resource.logicalId, resource])),
    functionCode: new Map(),
  };
}

/** A fake Lambda service that records each event and answers with `respond`. */
function recordingInvoker(respond: (event: SQSEvent, call: number) => InvokeResult | Promise<InvokeResult>) {
  const events: SQSEvent[] = [];
  const invoker: LambdaInvoker = {
    async invoke(_functionRef, event) {
      events.push(event as SQSEvent);
      return respond(event as SQSEvent, events.length);
    },
  };
  return { invoker, events };
}

function start(stack: ResolvedStack, invoker: LambdaInvoker, extra: { duplicateRate?: number } = {}) {
  const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  mappings = createEventSourceMappings({
    stack,
    invoker,
    sqsEndpoint: server.address,
    queueUrlForArn: (arn) => queueUrls.get(arn) ?? '',
    log,
    ...extra,
  });
  mappings.start();
  return { log };
}

const ok = (payload?: unknown): InvokeResult => ({ ok: true, payload });
const bodiesOf = (event: SQSEvent | undefined) => (event?.Records ?? []).map((record) => record.body);

describe('createEventSourceMappings: deletion', () => {
  it('deletes every message of a successful batch', async () => {
    const queue = await createQueue();
    await sendBodies(queue.url, ['a', 'b', 'c']);
    const { invoker, events } = recordingInvoker(() => ok(null));

    start(stackWith(mappingResource(queue.arn)), invoker);

    await vi.waitFor(() => expect(events.flatMap(bodiesOf).sort()).toEqual(['a', 'b', 'c']));
    await vi.waitFor(() => expect(queueDepth(queue.url)).toBe(0));
  });

  it('re-delivers only the record a partial batch response reports as failed', async () => {
    const queue = await createQueue();
    await sendBodies(queue.url, ['good-1', 'bad', 'good-2']);
    const { invoker, events } = recordingInvoker((event, call) => {
      const bad = event.Records.find((record) => record.body === 'bad');
      return ok({ batchItemFailures: call === 1 && bad ? [{ itemIdentifier: bad.messageId }] : [] });
    });

    start(
      stackWith(mappingResource(queue.arn, { FunctionResponseTypes: ['ReportBatchItemFailures'] })),
      invoker,
    );

    await vi.waitFor(() => expect(events).toHaveLength(2), { timeout: 5000 });
    expect(bodiesOf(events[0]).sort()).toEqual(['bad', 'good-1', 'good-2']);
    expect(bodiesOf(events[1])).toEqual(['bad']);
    expect(events[1]?.Records[0]?.attributes.ApproximateReceiveCount).toBe('2');
    await vi.waitFor(() => expect(queueDepth(queue.url)).toBe(0));
  });

  it('deletes nothing when the invocation fails', async () => {
    const queue = await createQueue();
    await sendBodies(queue.url, ['x', 'y']);
    const { invoker, events } = recordingInvoker((_event, call) =>
      call === 1 ? { ok: false, errorType: 'Error', errorMessage: 'boom' } : ok(),
    );

    start(
      stackWith(mappingResource(queue.arn, { FunctionResponseTypes: ['ReportBatchItemFailures'] })),
      invoker,
    );

    await vi.waitFor(() => expect(events).toHaveLength(2), { timeout: 5000 });
    expect(bodiesOf(events[1]).sort()).toEqual(['x', 'y']);
  });

  it('deletes nothing when a partial batch response names an unknown message', async () => {
    const queue = await createQueue();
    await sendBodies(queue.url, ['x']);
    const { invoker, events } = recordingInvoker((_event, call) =>
      ok(call === 1 ? { batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] } : {}),
    );

    const { log } = start(
      stackWith(mappingResource(queue.arn, { FunctionResponseTypes: ['ReportBatchItemFailures'] })),
      invoker,
    );

    await vi.waitFor(() => expect(events).toHaveLength(2), { timeout: 5000 });
    expect(bodiesOf(events[1])).toEqual(['x']);
    expect(log.warn).toHaveBeenCalledWith(
      'invalid partial batch response: the whole batch failed',
      expect.anything(),
    );
  });

  it('leaves a record that always fails to the queue redrive, which moves it to the DLQ', async () => {
    const queue = await createQueue({ maxReceiveCount: 2 });
    await sendBodies(queue.url, ['poison']);
    const { invoker } = recordingInvoker(() => ({ ok: false, errorType: 'Error', errorMessage: 'poison' }));

    start(stackWith(mappingResource(queue.arn)), invoker);

    await vi.waitFor(
      async () => {
        const moved = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queue.dlqUrl, WaitTimeSeconds: 0 }),
        );
        expect(moved.Messages?.map((message) => message.Body)).toEqual(['poison']);
      },
      { timeout: 8000, interval: 200 },
    );
  });
});

describe('createEventSourceMappings: batching', () => {
  it('never puts more records in a batch than BatchSize', async () => {
    const queue = await createQueue();
    await sendBodies(
      queue.url,
      Array.from({ length: 7 }, (_, index) => `m${index}`),
    );
    const { invoker, events } = recordingInvoker(() => ok());

    start(stackWith(mappingResource(queue.arn, { BatchSize: 3 })), invoker);

    await vi.waitFor(() => expect(events.flatMap(bodiesOf)).toHaveLength(7));
    expect(Math.max(...events.map((event) => event.Records.length))).toBeLessThanOrEqual(3);
  });

  it('gathers several receives into one batch above ten within the batching window', async () => {
    const queue = await createQueue();
    await sendBodies(
      queue.url,
      Array.from({ length: 15 }, (_, index) => `m${index}`),
    );
    const { invoker, events } = recordingInvoker(() => ok());

    start(
      stackWith(mappingResource(queue.arn, { BatchSize: 15, MaximumBatchingWindowInSeconds: 1 })),
      invoker,
    );

    await vi.waitFor(() => expect(events).toHaveLength(1), { timeout: 5000 });
    expect(events[0]?.Records).toHaveLength(15);
  });

  it('runs no more batches at once than ScalingConfig.MaximumConcurrency', async () => {
    const queue = await createQueue();
    await sendBodies(
      queue.url,
      Array.from({ length: 6 }, (_, index) => `m${index}`),
    );
    let running = 0;
    let maxRunning = 0;
    const { invoker, events } = recordingInvoker(async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, 150));
      running -= 1;
      return ok();
    });

    start(
      stackWith(mappingResource(queue.arn, { BatchSize: 1, ScalingConfig: { MaximumConcurrency: 2 } })),
      invoker,
    );

    await vi.waitFor(() => expect(events).toHaveLength(6), { timeout: 5000 });
    expect(maxRunning).toBe(2);
  });

  it('does not poll a disabled mapping', async () => {
    const queue = await createQueue();
    await sendBodies(queue.url, ['waiting']);
    const { invoker, events } = recordingInvoker(() => ok());

    start(stackWith(mappingResource(queue.arn, { Enabled: false })), invoker);
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(events).toHaveLength(0);
    expect(queueDepth(queue.url)).toBe(1);
  });

  it('waits for the batch in flight when stopped', async () => {
    const queue = await createQueue();
    await sendBodies(queue.url, ['slow']);
    let finished = false;
    const { invoker, events } = recordingInvoker(async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      finished = true;
      return ok();
    });
    start(stackWith(mappingResource(queue.arn)), invoker);
    await vi.waitFor(() => expect(events).toHaveLength(1));

    await mappings?.stop();

    expect(finished).toBe(true);
    expect(queueDepth(queue.url)).toBe(0);
  });
});

describe('createEventSourceMappings: event shape', () => {
  it('builds the SQS event of a FIFO queue as Lambda does', async () => {
    const queue = await createQueue({ fifo: true });
    await sendBodies(queue.url, ['{"n":1}'], {
      MessageGroupId: 'group-1',
      MessageDeduplicationId: 'dedup-1',
      MessageAttributes: {
        correlationId: { DataType: 'String', StringValue: 'c-1' },
        blob: { DataType: 'Binary', BinaryValue: Buffer.from('hi') },
      },
    });
    const { invoker, events } = recordingInvoker(() => ok());

    start(stackWith(mappingResource(queue.arn)), invoker);

    await vi.waitFor(() => expect(events).toHaveLength(1));
    const record = events[0]?.Records[0];
    expect(record).toMatchObject({
      body: '{"n":1}',
      md5OfBody: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: REGION,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d+$/),
        SenderId: expect.any(String),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d+$/),
        MessageGroupId: 'group-1',
        MessageDeduplicationId: 'dedup-1',
        SequenceNumber: expect.stringMatching(/^\d+$/),
      },
      messageAttributes: {
        correlationId: { stringValue: 'c-1', stringListValues: [], binaryListValues: [], dataType: 'String' },
        blob: { binaryValue: 'aGk=', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
      },
    });
    expect(record?.messageId).toMatch(/.+/);
    expect(record?.receiptHandle).toMatch(/.+/);
  });
});

describe('createEventSourceMappings: configuration', () => {
  it('refuses a mapping with FilterCriteria', () => {
    const stack = stackWith(
      mappingResource(`arn:aws:sqs:${REGION}:${ACCOUNT}:any`, {
        FilterCriteria: { Filters: [{ Pattern: '{"body":{"a":[1]}}' }] },
      }),
    );

    const create = () =>
      createEventSourceMappings({
        stack,
        invoker: { invoke: async () => ok() },
        sqsEndpoint: server.address,
        queueUrlForArn: () => '',
        log: { info: vi.fn(), warn: vi.fn(), error: vi.fn() },
      });

    expect(create).toThrow(/FilterCriteria/);
  });

  it('lists each mapping with its defaults', () => {
    const created = createEventSourceMappings({
      stack: stackWith(mappingResource(`arn:aws:sqs:${REGION}:${ACCOUNT}:any`)),
      invoker: { invoke: async () => ok() },
      sqsEndpoint: server.address,
      queueUrlForArn: () => '',
      log: { info: vi.fn(), warn: vi.fn(), error: vi.fn() },
    });

    const listed = created.mappings();

    expect(listed).toEqual([
      {
        logicalId: 'ConsumerMapping',
        functionName: 'consumer',
        eventSourceArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:any`,
        enabled: true,
        batchSize: 10,
        maximumBatchingWindowInSeconds: 0,
        maximumConcurrency: 5,
        reportBatchItemFailures: false,
      },
    ]);
  });
});

describe('createEventSourceMappings: duplicate delivery fault', () => {
  it('invokes the function a second time with the same record and logs the injected fault', async () => {
    const queue = await createQueue();
    await sendBodies(queue.url, ['once']);
    const { invoker, events } = recordingInvoker(() => ok());

    const { log } = start(stackWith(mappingResource(queue.arn)), invoker, { duplicateRate: 1 });

    await vi.waitFor(() => expect(events).toHaveLength(2));
    expect(events[1]?.Records[0]?.messageId).toBe(events[0]?.Records[0]?.messageId);
    expect(log.warn).toHaveBeenCalledWith('fault injected: duplicate delivery', expect.anything());
  });
});

describe('createEventSourceMappings: batch observation', () => {
  it('tells listeners which records of a batch failed and with what error', async () => {
    const queue = await createQueue();
    await sendBodies(queue.url, ['good', 'bad']);
    const { invoker } = recordingInvoker((event) => {
      const bad = event.Records.find((record) => record.body === 'bad');
      return ok({ batchItemFailures: bad ? [{ itemIdentifier: bad.messageId }] : [] });
    });
    const observations: BatchObservation[] = [];
    start(
      stackWith(mappingResource(queue.arn, { FunctionResponseTypes: ['ReportBatchItemFailures'] })),
      invoker,
    );
    mappings?.subscribe((observation) => observations.push(observation));

    await vi.waitFor(() => expect(observations.length).toBeGreaterThan(0), { timeout: 5000 });

    const first = observations[0];
    const bad = first?.records.find((record) => record.body === 'bad');
    expect(first?.mapping).toBe('ConsumerMapping');
    expect(first?.eventSourceArn).toBe(queue.arn);
    expect(first?.duplicate).toBe(false);
    expect(first?.failedMessageIds).toEqual([bad?.messageId]);
    expect(bad?.receiveCount).toBe(1);
  });

  it('reports every record as failed when the invocation fails', async () => {
    const queue = await createQueue();
    await sendBodies(queue.url, ['x']);
    const { invoker } = recordingInvoker(() => ({ ok: false, errorType: 'Error', errorMessage: 'boom' }));
    const observations: BatchObservation[] = [];
    start(stackWith(mappingResource(queue.arn)), invoker);
    mappings?.subscribe((observation) => observations.push(observation));

    await vi.waitFor(() => expect(observations.length).toBeGreaterThan(0), { timeout: 5000 });

    expect(observations[0]?.failedMessageIds).toEqual(observations[0]?.records.map((r) => r.messageId));
    expect(observations[0]?.result).toEqual({ ok: false, errorType: 'Error', errorMessage: 'boom' });
  });

  it('marks the injected second delivery as a duplicate', async () => {
    const queue = await createQueue();
    await sendBodies(queue.url, ['twice']);
    const { invoker } = recordingInvoker(() => ok());
    const observations: BatchObservation[] = [];
    start(stackWith(mappingResource(queue.arn)), invoker, { duplicateRate: 1 });
    mappings?.subscribe((observation) => observations.push(observation));

    await vi.waitFor(() => expect(observations).toHaveLength(2), { timeout: 5000 });

    expect(observations.map((observation) => observation.duplicate)).toEqual([false, true]);
    expect(mappings?.duplicateRate()).toBe(1);
  });
});

describe('createEventSourceMappings with the local Lambda host', () => {
  it('keeps only the records a worker-hosted function reports as failed', async () => {
    const queue = await createQueue({ maxReceiveCount: 1 });
    await sendBodies(queue.url, ['fine', 'bad']);
    const logDir = mkdtempSync(join(tmpdir(), 'esm-host-'));
    const code = fileURLToPath(new URL('./test-fixtures/sqs-consumer/', import.meta.url));
    const consumer: ResolvedResource = {
      logicalId: 'Consumer',
      type: 'AWS::Lambda::Function',
      properties: { Handler: 'index.handler', Runtime: 'nodejs24.x' },
      physicalName: 'consumer',
      ref: 'consumer',
      attributes: { Arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:consumer` },
      dependsOn: [],
    };
    const stack = stackWith(
      consumer,
      mappingResource(queue.arn, { FunctionResponseTypes: ['ReportBatchItemFailures'] }),
    );
    stack.functionCode.set('Consumer', code);
    const host = createLambdaHost({
      stack,
      edgeUrl: server.address,
      credentialsFor: () => ({ accessKeyId: 'test', secretAccessKey: 'test' }),
      log: { info: vi.fn(), warn: vi.fn(), error: vi.fn() },
      logDir,
      output: new Writable({ write: (_chunk, _encoding, done) => done() }),
    });

    try {
      start(stack, host);

      await vi.waitFor(
        async () => {
          const moved = await sqs.send(
            new ReceiveMessageCommand({ QueueUrl: queue.dlqUrl, WaitTimeSeconds: 0 }),
          );
          expect(moved.Messages?.map((message) => message.Body)).toEqual(['bad']);
        },
        { timeout: 8000, interval: 200 },
      );
      expect(queueDepth(queue.url)).toBe(0);
    } finally {
      await mappings?.stop();
      await host.stop();
      rmSync(logDir, { recursive: true, force: true });
    }
  });
});

describe('failedItems', () => {
  const ids = new Set(['m1', 'm2']);

  it('treats a null response as complete success', () => {
    expect(failedItems(null, ids)).toEqual(new Set());
  });

  it('treats an empty object or list as complete success', () => {
    expect(failedItems({}, ids)).toEqual(new Set());
    expect(failedItems({ batchItemFailures: [] }, ids)).toEqual(new Set());
  });

  it('returns the reported identifiers', () => {
    expect(failedItems({ batchItemFailures: [{ itemIdentifier: 'm2' }] }, ids)).toEqual(new Set(['m2']));
  });

  it('treats empty, missing or unknown identifiers as complete failure', () => {
    expect(failedItems({ batchItemFailures: [{ itemIdentifier: '' }] }, ids)).toBe('invalid');
    expect(failedItems({ batchItemFailures: [{ id: 'm1' }] }, ids)).toBe('invalid');
    expect(failedItems({ batchItemFailures: [{ itemIdentifier: 'm9' }] }, ids)).toBe('invalid');
  });

  it('treats a response that is not an object as complete failure', () => {
    expect(failedItems('done', ids)).toBe('invalid');
    expect(failedItems({ batchItemFailures: 'm1' }, ids)).toBe('invalid');
  });
});
