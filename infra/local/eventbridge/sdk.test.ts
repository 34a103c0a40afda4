// `handle`'s answers read through the real AWS SDK client, so that the shapes are those it expects.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DescribeReplayCommand,
  EventBridgeClient,
  ListRulesCommand,
  PutEventsCommand,
  ResourceNotFoundException,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBridge, type LocalEventBridgeService } from './index.ts';
import {
  archiveResource,
  BUS_ARN,
  busResource,
  FakeLambda,
  FakeQueues,
  MemoryLog,
  QUEUE_ARN,
  ruleResource,
  stackOf,
  tempStateDir,
} from './test-support/fixtures.ts';

let server: Server;
let client: EventBridgeClient;
let bridge: LocalEventBridgeService;
const queues = new FakeQueues();

beforeAll(async () => {
  bridge = createEventBridge({
    stack: stackOf(
      busResource(),
      ruleResource('to-queue', {
        EventBusName: 'my-bus',
        EventPattern: { source: ['app.orders'] },
        Targets: [{ Id: 'q', Arn: QUEUE_ARN }],
      }),
      archiveResource('orders-archive', { SourceArn: BUS_ARN }),
    ),
    lambda: new FakeLambda(),
    queues,
    log: new MemoryLog(),
    stateDir: tempStateDir(),
    retryBaseDelayMs: 1,
  });
  // A loopback HTTP server plays the edge endpoint's part (routing on X-Amz-Target).
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const operation = String(request.headers['x-amz-target'] ?? '').replace(/^AWSEvents\./, '');
      void bridge
        .handle(operation, JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'), {
          kind: 'admin',
          accessKeyId: 'test',
        })
        .then(({ status, body }) => {
          response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
          response.end(JSON.stringify(body));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new EventBridgeClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await bridge.stop();
  await new Promise((resolve) => server.close(resolve));
});

describe('through the AWS SDK', () => {
  it('puts events and reads the per-entry results', async () => {
    // Prepare
    const command = new PutEventsCommand({
      Entries: [
        {
          EventBusName: 'my-bus',
          Source: 'app.orders',
          DetailType: 'OrderPlaced',
          Detail: '{"n":1}',
          Time: new Date(),
        },
        { EventBusName: 'nope', Source: 'app.orders', DetailType: 'OrderPlaced', Detail: '{"n":2}' },
      ],
    });
    // Act
    const result = await client.send(command);
    await bridge.settled();
    // Assess
    expect({
      failed: result.FailedEntryCount,
      codes: result.Entries?.map((e) => e.ErrorCode ?? 'ok'),
    }).toEqual({
      failed: 1,
      codes: ['ok', 'ResourceNotFoundException'],
    });
  });

  it('lists rules', async () => {
    // Prepare, act
    const result = await client.send(new ListRulesCommand({ EventBusName: 'my-bus' }));
    // Assess
    expect(result.Rules?.map((rule) => rule.Name)).toEqual(['to-queue']);
  });

  it('raises the modelled exception for an AWS error answer', async () => {
    // Prepare, act
    const act = client.send(new ListRulesCommand({ EventBusName: 'nope' }));
    // Assess
    await expect(act).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('starts a replay and reads its times as dates', async () => {
    // Prepare
    await client.send(
      new StartReplayCommand({
        ReplayName: 'sdk-replay',
        EventSourceArn: 'arn:aws:events:us-east-1:000000000000:archive/orders-archive',
        EventStartTime: new Date(Date.now() - 60_000),
        EventEndTime: new Date(Date.now() + 60_000),
        Destination: { Arn: BUS_ARN },
      }),
    );
    await bridge.settled();
    // Act
    const replay = await client.send(new DescribeReplayCommand({ ReplayName: 'sdk-replay' }));
    // Assess
    expect({ state: replay.State, start: replay.ReplayStartTime instanceof Date }).toEqual({
      state: 'COMPLETED',
      start: true,
    });
  });
});
