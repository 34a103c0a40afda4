// Test support for the event source mapping tests: a fauxqs server per test file, queues with a
// dead-letter queue, and mappings started against a fake or real Lambda service.
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, afterEach, beforeAll, vi } from 'vitest';
import type { InvokeResult, LambdaInvoker, ResolvedResource, ResolvedStack } from '../model.ts';
import { createEventSourceMappings, type EventSourceMappings } from './event-source-mappings.ts';

export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';

export let server: FauxqsServer;
export let sqs: SQSClient;
/** The mappings the last `start` started; stopped after each test. */
export let mappings: EventSourceMappings | undefined;
const queueUrls = new Map<string, string>();
let queueCounter = 0;

/** Starts fauxqs for the test file, and stops the mappings after each test. */
export function useFauxqs(): void {
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
}

/** A queue (and its dead-letter queue) on fauxqs. */
export async function createQueue(options: { fifo?: boolean; maxReceiveCount?: number } = {}) {
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

export async function sendBodies(
  url: string,
  bodies: string[],
  extra: Record<string, unknown> = {},
): Promise<void> {
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

/** The messages a queue holds, visible or not. */
export function queueDepth(url: string): number {
  const name = url.split('/').pop() ?? '';
  const state = server.inspectQueue(name);
  if (!state) return -1;
  return state.messages.ready.length + state.messages.inflight.length + state.messages.delayed.length;
}

/** An SQS event source mapping of the `consumer` function. */
export function mappingResource(
  eventSourceArn: string,
  properties: Record<string, unknown> = {},
): ResolvedResource {
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

/** A stack of the given resources, without function code. */
export function stackWith(...resources: ResolvedResource[]): ResolvedStack {
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
export function recordingInvoker(
  respond: (event: SQSEvent, call: number) => InvokeResult | Promise<InvokeResult>,
) {
  const events: SQSEvent[] = [];
  const invoker: LambdaInvoker = {
    async invoke(_functionRef, event) {
      events.push(event as SQSEvent);
      return respond(event as SQSEvent, events.length);
    },
  };
  return { invoker, events };
}

/** Creates and starts the mappings of a stack; returns their logger. */
export function start(stack: ResolvedStack, invoker: LambdaInvoker, extra: { duplicateRate?: number } = {}) {
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

/** A successful invocation result. */
export const ok = (payload?: unknown): InvokeResult => ({ ok: true, payload });
/** The bodies of an event's records. */
export const bodiesOf = (event: SQSEvent | undefined) => (event?.Records ?? []).map((record) => record.body);
