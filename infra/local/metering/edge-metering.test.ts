// The edge reports the DynamoDB and SQS calls it forwards: a fake DynamoDB that reports consumed
// capacity only when asked (as DynamoDB does), and the embedded SQS emulator.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createIdentityRegistry } from '../auth/identities.ts';
import { recordingLogger, stackOf } from '../auth/test-support.ts';
import { createEdge, type Edge } from '../edge/edge.ts';
import { edgeMeterOf } from './index.ts';
import { createMeter } from './meter.ts';

const KB = 1024;
const ADMIN = { accessKeyId: 'AKIADEVELOPER', secretAccessKey: 'developer-secret' };

/** An item of exactly `bytes` bytes. */
function itemOf(bytes: number) {
  return { pk: { S: 'a' }, data: { S: 'x'.repeat(bytes - 3 - 4) } };
}

describe('the edge, metered', () => {
  const meter = createMeter();
  const received: Record<string, unknown>[] = [];
  let reportCapacity = true;
  let upstream: Server;
  let fauxqs: FauxqsServer;
  let edge: Edge;

  beforeAll(async () => {
    upstream = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
        received.push(body);
        const answer =
          reportCapacity && body.ReturnConsumedCapacity === 'TOTAL'
            ? JSON.stringify({ ConsumedCapacity: { TableName: body.TableName, CapacityUnits: 2.0 } })
            : '{}';
        response.writeHead(200, {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-crc32': String(crc32(answer)),
        });
        response.end(answer);
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    fauxqs = await startFauxqs({ port: 0, logger: false });
    const queueUrl = fauxqs.createQueue('orders').queueUrl;
    edge = await createEdge({
      port: 0,
      dynamodbUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      sqsUrl: fauxqs.address,
      events: { handle: async () => ({ status: 200, body: {} }) },
      lambda: { invoke: async () => ({ ok: true, payload: null }) },
      identities: createIdentityRegistry(stackOf([]), { secretSeed: 'test' }),
      log: recordingLogger(),
      rewriteSqsQueueUrl: (url) => (url.endsWith('/orders') ? queueUrl : url),
      meter: edgeMeterOf(meter),
    });
  });
  afterAll(async () => {
    await edge.close();
    await fauxqs.stop();
    await new Promise((resolve) => upstream.close(resolve));
  });
  beforeEach(() => {
    meter.reset();
    received.length = 0;
    reportCapacity = true;
  });

  const config = () => ({ endpoint: edge.url, region: 'us-east-1', credentials: ADMIN, maxAttempts: 1 });

  it('meters the capacity DynamoDB reports, asked for the caller, and answers as DynamoDB would have', async () => {
    // Prepare
    const client = new DynamoDBClient(config());
    // Act
    const output = await client.send(new PutItemCommand({ TableName: 'Orders', Item: itemOf(1536) }));
    // Assess
    expect(received[0]?.ReturnConsumedCapacity).toBe('TOTAL');
    expect(output.ConsumedCapacity).toBeUndefined();
    expect(meter.snapshot().dynamodb.Orders).toEqual({
      calls: 1,
      readUnits: 0,
      writeUnits: 2,
      estimatedCalls: 0,
    });
  });

  it('answers a metered read with a checksum that matches its body', async () => {
    // Prepare
    const client = new DynamoDBClient(config());
    let checksum: string | undefined;
    let text = '';
    // Reads the raw answer before the SDK parses it (the JS SDK checks no DynamoDB checksum; botocore does).
    client.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const response = result.response as { headers: Record<string, string>; body: NodeJS.ReadableStream };
        checksum = response.headers['x-amz-crc32'];
        const chunks: Buffer[] = [];
        for await (const chunk of response.body) chunks.push(Buffer.from(chunk));
        text = Buffer.concat(chunks).toString();
        response.body = Readable.from([Buffer.from(text)]);
        return result;
      },
      { step: 'deserialize', name: 'readChecksum' },
    );
    // Act
    await client.send(new GetItemCommand({ TableName: 'Orders', Key: { pk: { S: 'a' } } }));
    // Assess
    expect(text).toBe('{}');
    expect(checksum).toBe(String(crc32(text)));
    expect(meter.snapshot().dynamodb.Orders).toMatchObject({ readUnits: 2 });
  });

  it('computes 2 write units for a PutItem of 1.5 KB when DynamoDB reports none', async () => {
    // Prepare
    reportCapacity = false;
    const client = new DynamoDBClient(config());
    // Act
    await client.send(new PutItemCommand({ TableName: 'Orders', Item: itemOf(1536) }));
    // Assess
    expect(meter.snapshot().dynamodb.Orders).toMatchObject({ writeUnits: 2, estimatedCalls: 1 });
  });

  it('counts one 70 KB message as 2 SQS requests, sent and received', async () => {
    // Prepare
    const client = new SQSClient(config());
    const queueUrl = `${edge.url}/000000000000/orders`;
    // Act
    await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x'.repeat(70 * KB) }));
    const sent = structuredClone(meter.snapshot().sqs.orders);
    const first = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 }));
    const second = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 }));
    // Assess
    expect(first.Messages).toHaveLength(1);
    expect(second.Messages ?? []).toHaveLength(0);
    expect(sent).toMatchObject({ calls: 1, requests: 2 });
    expect(meter.snapshot().sqs.orders).toEqual({
      fifo: false,
      calls: 3,
      requests: 5,
      emptyReceives: 1,
      actions: { SendMessage: 1, ReceiveMessage: 2 },
    });
  });
});
