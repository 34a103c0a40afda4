// The mappings of a stack: configuration, the duplicate-delivery fault, batch observation, and a
// mapping that invokes a function of the local Lambda host.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it, vi } from 'vitest';
import type { ResolvedResource } from '../model.ts';
import { type BatchObservation, createEventSourceMappings } from './event-source-mappings.ts';
import { createLambdaHost } from './host.ts';
import {
  ACCOUNT,
  createQueue,
  mappingResource,
  mappings,
  ok,
  queueDepth,
  REGION,
  recordingInvoker,
  sendBodies,
  server,
  sqs,
  stackWith,
  start,
  useFauxqs,
} from './sqs-test-support.ts';

useFauxqs();

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
