// A small hand-built local cloud for the admin tests: a bus whose rule sends events to a queue (with a
// target DLQ), the queue's redrive DLQ, and a consumer function (a fake) behind an event source mapping,
// on a real EventBridge, the real embedded SQS and the real pollers, with the admin API on a port.
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventBridge, type LocalEventBridgeService } from '../eventbridge/index.ts';
import { createEventSourceMappings, type EventSourceMappings } from '../lambda/event-source-mappings.ts';
import type { FunctionFault, LambdaFunctionInfo, LambdaHost } from '../lambda/host.ts';
import { silentLogger } from '../log.ts';
import type { InvokeOptions, InvokeResult, ResolvedResource, ResolvedStack } from '../model.ts';
import { type LocalSqs, startLocalSqs } from '../sqs/local-sqs.ts';
import { type AdminClient, createAdminClient } from './client.ts';
import { type ConsoleOptions, createLocalAdmin, type LocalAdmin } from './index.ts';

export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';
export const BUS = 'test-bus';
export const RULE = 'orders-to-queue';
export const CONSUMER = 'test-OrderConsumer';
export const ARCHIVE = 'orders-archive';
export const BUS_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${BUS}`;

const arnOf = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
export const QUEUE_ARN = arnOf('orders');
export const QUEUE_DLQ_ARN = arnOf('orders-dlq');
export const TARGET_DLQ_ARN = arnOf('orders-target-dlq');

function resource(
  logicalId: string,
  type: string,
  physicalName: string,
  properties: Record<string, unknown>,
  attributes: Record<string, string>,
  ref = physicalName,
): ResolvedResource {
  return { logicalId, type, properties, physicalName, ref, attributes, dependsOn: [] };
}

/** The stack: bus → rule (source `app.orders`) → queue `orders` → consumer; DLQs for both hops. */
export function miniStack(edgeUrl: string, options: { maxReceiveCount?: number } = {}): ResolvedStack {
  const queue = (logicalId: string, name: string, properties: Record<string, unknown> = {}) =>
    resource(
      logicalId,
      'AWS::SQS::Queue',
      name,
      { QueueName: name, ...properties },
      { Arn: arnOf(name) },
      `${edgeUrl}/${ACCOUNT}/${name}`,
    );
  const resources = [
    resource(
      'Bus',
      'AWS::Events::EventBus',
      BUS,
      { Name: BUS },
      { Arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${BUS}` },
    ),
    queue('OrdersDlq', 'orders-dlq'),
    queue('OrdersTargetDlq', 'orders-target-dlq'),
    queue('Orders', 'orders', {
      VisibilityTimeout: 0,
      RedrivePolicy: { deadLetterTargetArn: QUEUE_DLQ_ARN, maxReceiveCount: options.maxReceiveCount ?? 2 },
    }),
    resource(
      'Rule',
      'AWS::Events::Rule',
      RULE,
      {
        Name: RULE,
        EventBusName: BUS,
        EventPattern: { source: ['app.orders'] },
        Targets: [
          {
            Id: 'Queue',
            Arn: QUEUE_ARN,
            DeadLetterConfig: { Arn: TARGET_DLQ_ARN },
            RetryPolicy: { MaximumRetryAttempts: 1 },
          },
        ],
      },
      { Arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/${BUS}/${RULE}` },
    ),
    resource(
      'Archive',
      'AWS::Events::Archive',
      ARCHIVE,
      { ArchiveName: ARCHIVE, SourceArn: BUS_ARN },
      { Arn: `arn:aws:events:${REGION}:${ACCOUNT}:archive/${ARCHIVE}` },
    ),
    resource(
      'Mapping',
      'AWS::Lambda::EventSourceMapping',
      'Mapping',
      {
        FunctionName: CONSUMER,
        EventSourceArn: QUEUE_ARN,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      },
      {},
    ),
  ];
  return {
    stackName: 'AdminTest',
    region: REGION,
    accountId: ACCOUNT,
    cloudAssemblyDir: '/tmp/cdk.out',
    resources: new Map(resources.map((item) => [item.logicalId, item])),
    functionCode: new Map(),
  };
}

/** A Lambda host whose only function answers with `respond`; it records the faults it is given. */
export class FakeHost implements LambdaHost {
  faults: FunctionFault[] = [];
  readonly invocations: { functionRef: string; event: unknown; options?: InvokeOptions }[] = [];
  respond: (event: unknown) => InvokeResult = () => ({ ok: true, payload: null });

  async invoke(functionRef: string, event: unknown, options?: InvokeOptions): Promise<InvokeResult> {
    this.invocations.push({ functionRef, event, ...(options ? { options } : {}) });
    return this.respond(event);
  }
  functions(): LambdaFunctionInfo[] {
    return [
      {
        logicalId: 'OrderConsumerFn',
        name: CONSUMER,
        arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${CONSUMER}`,
        handler: 'index.handler',
        runtime: 'nodejs22.x',
        timeoutSeconds: 3,
        memoryMb: 128,
        reservedConcurrency: undefined,
        concurrency: 1,
        environments: 0,
        busy: 0,
      },
    ];
  }
  setFaults(faults: FunctionFault[]): void {
    this.faults = faults.map((fault) => ({ ...fault }));
  }
  getFaults(): FunctionFault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }
  // The fake queues no asynchronous invocation, so it has none to resume.
  start(): void {}
  async stop(): Promise<void> {}
}

export interface MiniCloud {
  stack: ResolvedStack;
  host: FakeHost;
  events: LocalEventBridgeService;
  sqs: LocalSqs;
  mappings: EventSourceMappings;
  admin: LocalAdmin;
  client: AdminClient;
  logDir: string;
  stop(): Promise<void>;
}

/** Starts the mini cloud; the consumer succeeds unless the test changes `host.respond`. */
export async function startMiniCloud(
  options: { maxReceiveCount?: number; console?: ConsoleOptions } = {},
): Promise<MiniCloud> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const edgeUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stack = miniStack(edgeUrl, options);
  const stateDir = mkdtempSync(join(tmpdir(), 'admin-test-'));
  const logDir = join(stateDir, 'logs');
  const sqs = await startLocalSqs({
    port: 0,
    edgeUrl,
    resources: stack.resources.values(),
    log: silentLogger,
  });
  const host = new FakeHost();
  const events = createEventBridge({
    stack,
    lambda: host,
    queues: sqs.sender,
    log: silentLogger,
    stateDir: join(stateDir, 'eventbridge'),
    retryBaseDelayMs: 5,
  });
  const mappings = createEventSourceMappings({
    stack,
    invoker: host,
    sqsEndpoint: sqs.endpoint,
    queueUrlForArn: (arn) => sqs.queueUrlOf(arn) ?? '',
    log: silentLogger,
  });
  const admin = createLocalAdmin({
    stack,
    events,
    lambda: host,
    eventSourceMappings: mappings,
    sqs,
    logDir,
    log: silentLogger,
    sqsEndpoint: sqs.endpoint,
    // The mini cloud has no HTTP API: the token route and the proxy find none.
    apis: () => [],
    mint: async () => {
      throw new Error('the mini cloud has no token issuer');
    },
    ...(options.console ? { console: options.console } : {}),
  });
  server.on('request', (incoming, outgoing) => {
    void admin.handle(incoming, outgoing);
  });
  mappings.start();
  events.start();
  return {
    stack,
    host,
    events,
    sqs,
    mappings,
    admin,
    client: createAdminClient(edgeUrl),
    logDir,
    async stop() {
      await mappings.stop();
      await events.stop();
      admin.close();
      await sqs.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** An EventBridge envelope of the mini stack's source. */
export function orderEnvelope(orderId: string, time = '2026-01-01T10:00:00Z'): Record<string, unknown> {
  return {
    version: '0',
    id: `fixture-${orderId}`,
    'detail-type': 'OrderPlaced',
    source: 'app.orders',
    account: ACCOUNT,
    time,
    region: REGION,
    resources: [],
    detail: { orderId, metadata: { correlationId: `corr-${orderId}` } },
  };
}
