import { createServer, type Server } from 'node:http';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.ts';
import type { ResolvedResource } from '../model.ts';
import { type LocalSqs, startLocalSqs } from './local-sqs.ts';

function queue(logicalId: string, name: string, properties: Record<string, unknown> = {}): ResolvedResource {
  return {
    logicalId,
    type: 'AWS::SQS::Queue',
    properties: { QueueName: name, ...properties },
    physicalName: name,
    ref: '',
    attributes: { Arn: `arn:aws:sqs:us-east-1:000000000000:${name}` },
    dependsOn: [],
  };
}

const dlqArn = 'arn:aws:sqs:us-east-1:000000000000:jobs-dlq';
const resources = [
  queue('Jobs', 'jobs', {
    VisibilityTimeout: 0,
    MessageRetentionPeriod: 1209600,
    RedrivePolicy: { deadLetterTargetArn: dlqArn, maxReceiveCount: 2 },
    KmsMasterKeyId: 'alias/aws/sqs',
  }),
  queue('JobsDlq', 'jobs-dlq'),
  queue('Ordered', 'ordered.fifo', { FifoQueue: true, ContentBasedDeduplication: true }),
];

function sqsClient(endpoint: string) {
  return new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
}

describe('the embedded SQS with the template queues', () => {
  // Nothing listens on the edge URL here: if a client sent a request to the queue URL's host
  // instead of its endpoint, the test would fail.
  const edgeUrl = 'http://127.0.0.1:9';
  let sqs: LocalSqs;
  let client: SQSClient;

  beforeAll(async () => {
    sqs = await startLocalSqs({ port: 0, edgeUrl, resources, log: silentLogger });
    client = sqsClient(sqs.endpoint);
  });

  afterAll(async () => {
    client.destroy();
    await sqs.stop();
  });

  it('creates each queue with its template attributes and the edge URL', async () => {
    const url = sqs.queueUrlOf('arn:aws:sqs:us-east-1:000000000000:jobs');

    const attributes = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    );

    expect(url).toBe(`${edgeUrl}/000000000000/jobs`);
    expect(attributes.Attributes?.VisibilityTimeout).toBe('0');
    expect(attributes.Attributes?.MessageRetentionPeriod).toBe('1209600');
    expect(JSON.parse(attributes.Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: dlqArn,
      maxReceiveCount: 2,
    });
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives', async () => {
    const url = sqs.queues.get('Jobs')!.url;
    const dlqUrl = sqs.queues.get('JobsDlq')!.url;
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }));
    for (let receive = 1; receive <= 2; receive++) {
      const received = await client.send(new ReceiveMessageCommand({ QueueUrl: url }));
      expect(received.Messages?.[0]?.Body).toBe('poison');
    }

    const third = await client.send(new ReceiveMessageCommand({ QueueUrl: url }));

    const dead = await client.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl }));
    expect(third.Messages ?? []).toHaveLength(0);
    expect(dead.Messages?.[0]?.Body).toBe('poison');
  });

  it('sends by queue ARN with group and attributes', async () => {
    const arn = sqs.queues.get('Ordered')!.arn;

    await sqs.sender.sendMessage(arn, '{"n":1}', {
      messageGroupId: 'g1',
      messageAttributes: { correlationId: { DataType: 'String', StringValue: 'c-1' } },
    });

    const received = await sqs.call<{
      Messages?: { Body: string; MessageAttributes?: Record<string, { StringValue?: string }> }[];
    }>('ReceiveMessage', { QueueUrl: sqs.queues.get('Ordered')!.url, MessageAttributeNames: ['All'] });
    expect(received.Messages?.[0]?.Body).toBe('{"n":1}');
    expect(received.Messages?.[0]?.MessageAttributes?.correlationId?.StringValue).toBe('c-1');
  });

  it('refuses to send to an ARN that names no local queue', async () => {
    await expect(sqs.sender.sendMessage('arn:aws:sqs:us-east-1:000000000000:nope', 'x')).rejects.toThrow(
      'QueueDoesNotExist',
    );
  });
});

describe('the SDK through a proxy on the edge URL', () => {
  let sqs: LocalSqs;
  let proxy: Server;
  let client: SQSClient;
  let proxyUrl: string;

  beforeAll(async () => {
    // A stand-in for the edge: forwards the raw request to the SQS part in-process.
    proxy = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        sqs
          .handle({
            method: request.method ?? 'POST',
            headers: request.headers,
            body: Buffer.concat(chunks).toString(),
          })
          .then((answer) => {
            response.writeHead(answer.statusCode, answer.headers);
            response.end(answer.body);
          })
          .catch((error: Error) => {
            response.writeHead(500);
            response.end(error.message);
          });
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const address = proxy.address();
    proxyUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    sqs = await startLocalSqs({ port: 0, edgeUrl: proxyUrl, resources, log: silentLogger });
    client = sqsClient(proxyUrl);
  });

  afterAll(async () => {
    client.destroy();
    await sqs.stop();
    await new Promise((resolve) => proxy.close(resolve));
  });

  it('answers GetQueueUrl and ListQueues with edge URLs', async () => {
    const found = await client.send(new GetQueueUrlCommand({ QueueName: 'jobs' }));
    const listed = await client.send(new ListQueuesCommand({}));

    expect(found.QueueUrl).toBe(`${proxyUrl}/000000000000/jobs`);
    expect(listed.QueueUrls).toContain(`${proxyUrl}/000000000000/jobs-dlq`);
  });

  it('sends and receives on the edge form of a queue URL', async () => {
    const url = `${proxyUrl}/000000000000/jobs-dlq`;

    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'through the edge' }));
    const received = await client.send(new ReceiveMessageCommand({ QueueUrl: url }));

    expect(received.Messages?.[0]?.Body).toBe('through the edge');
  });
});

describe('dead-letter queue redrive', () => {
  const edgeUrl = 'http://127.0.0.1:9';
  let sqs: LocalSqs;
  let client: SQSClient;

  beforeAll(async () => {
    sqs = await startLocalSqs({ port: 0, edgeUrl, resources, log: silentLogger });
    client = sqsClient(sqs.endpoint);
  });

  afterAll(async () => {
    client.destroy();
    await sqs.stop();
  });

  it('lists the queues that use a dead-letter queue', async () => {
    const listed = await client.send(
      new ListDeadLetterSourceQueuesCommand({ QueueUrl: sqs.queues.get('JobsDlq')!.url }),
    );

    expect(listed.queueUrls).toEqual([sqs.queues.get('Jobs')!.url]);
  });

  it('moves dead letters back to their source queue', async () => {
    const dlq = sqs.queues.get('JobsDlq')!;
    const source = sqs.queues.get('Jobs')!;
    await sqs.sender.sendMessage(dlq.arn, 'dead letter');

    const task = await client.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.arn }));

    const tasks = await client.send(new ListMessageMoveTasksCommand({ SourceArn: dlq.arn }));
    const received = await client.send(new ReceiveMessageCommand({ QueueUrl: source.url }));
    const left = await client.send(new ReceiveMessageCommand({ QueueUrl: dlq.url }));
    expect(tasks.Results?.[0]).toMatchObject({
      TaskHandle: task.TaskHandle,
      Status: 'COMPLETED',
      ApproximateNumberOfMessagesMoved: 1,
    });
    expect(received.Messages?.[0]?.Body).toBe('dead letter');
    expect(left.Messages ?? []).toHaveLength(0);
  });
});
