import { describe, expect, it } from 'vitest';
import type { ResolvedResource, ResolvedStack } from '../model.ts';
import { architecturesOf, createMeter, NO_QUEUE } from './meter.ts';

function fn(name: string, properties: Record<string, unknown>): ResolvedResource {
  return {
    logicalId: `${name}Fn`,
    type: 'AWS::Lambda::Function',
    properties,
    physicalName: name,
    ref: name,
    attributes: {},
    dependsOn: [],
  };
}

function stackOf(...resources: ResolvedResource[]): ResolvedStack {
  return {
    stackName: 'S',
    region: 'us-east-1',
    accountId: '000000000000',
    cloudAssemblyDir: '/nonexistent',
    resources: new Map(resources.map((resource) => [resource.logicalId, resource])),
    functionCode: new Map(),
  };
}

const KB = 1024;

describe('createMeter', () => {
  it('counts an invocation in GB-seconds of its billed duration, init phase included', () => {
    // Prepare
    const meter = createMeter({ stack: stackOf(fn('worker', { Architectures: ['arm64'] })) });
    // Act
    meter.invocation({ name: 'worker', memoryMb: 512 }, 99.2, 400.1);
    meter.invocation({ name: 'worker', memoryMb: 512 }, 0.3, 0);
    // Assess: 500 ms and 1 ms at half a GB
    expect(meter.snapshot().lambda.worker).toEqual({
      architecture: 'arm64',
      memoryMb: 512,
      requests: 2,
      billedMs: 501,
      initMs: 400.1,
      coldStarts: 1,
      gbSeconds: 0.2505,
    });
  });

  it('takes a function without Architectures for x86_64, as Lambda does', () => {
    // Prepare
    const stack = stackOf(
      fn('a', {}),
      fn('b', { Architectures: ['x86_64'] }),
      fn('c', { Architectures: ['arm64'] }),
    );
    // Act
    const architectures = architecturesOf(stack);
    // Assess
    expect(Object.fromEntries(architectures)).toEqual({ a: 'x86_64', b: 'x86_64', c: 'arm64' });
  });

  it('counts a 70 KB message as 2 SQS requests, on a FIFO queue as FIFO', () => {
    // Prepare
    const meter = createMeter();
    // Act
    meter.sqsCall('orders.fifo', 'SendMessage', 70 * KB);
    meter.sqsCall('orders.fifo', 'ReceiveMessage', 0, true);
    meter.sqsCall(undefined, 'ListQueues', 0);
    // Assess
    expect(meter.snapshot().sqs).toEqual({
      'orders.fifo': {
        fifo: true,
        calls: 2,
        requests: 3,
        emptyReceives: 1,
        actions: { SendMessage: 1, ReceiveMessage: 1 },
      },
      [NO_QUEUE]: { fifo: false, calls: 1, requests: 1, emptyReceives: 0, actions: { ListQueues: 1 } },
    });
  });

  it('counts PutEvents entries in 64 KB chunks', () => {
    // Prepare
    const meter = createMeter();
    // Act
    meter.eventPut('bus', 70 * KB);
    meter.eventPut('bus', 200);
    // Assess
    expect(meter.snapshot().eventbridge.bus).toEqual({ entries: 2, events: 3, bytes: 70 * KB + 200 });
  });

  it('adds consumed capacity per table and counts the estimated calls', () => {
    // Prepare
    const meter = createMeter();
    // Act
    meter.capacity('Orders', { readUnits: 0, writeUnits: 2 });
    meter.capacity('Orders', { readUnits: 0.5, writeUnits: 0 }, { estimated: true });
    // Assess
    expect(meter.snapshot().dynamodb.Orders).toEqual({
      calls: 2,
      readUnits: 0.5,
      writeUnits: 2,
      estimatedCalls: 1,
    });
  });

  it('counts HTTP API requests per route and status', () => {
    // Prepare
    const meter = createMeter();
    const api = { apiId: 'abc', logicalId: 'PublicApi' };
    // Act
    meter.apiRequest(api, 'POST /v1/items', 202, 900);
    meter.apiRequest(api, 'POST /v1/items', 400, 600 * KB);
    meter.apiRequest(api, '(no route)', 404, 0);
    // Assess
    expect(meter.snapshot().apigateway.abc).toEqual({
      logicalId: 'PublicApi',
      calls: 3,
      requests: 4,
      routes: { 'POST /v1/items': { '202': 1, '400': 1 }, '(no route)': { '404': 1 } },
    });
  });

  it('counts log bytes per log group', () => {
    // Prepare
    const meter = createMeter();
    // Act
    meter.logWritten('worker', 120, 2);
    meter.logWritten('worker', 30, 1);
    // Assess
    expect(meter.snapshot().logs).toEqual({ '/aws/lambda/worker': { bytes: 150, events: 3 } });
  });

  it('hands out copies, and starts again from zero on reset', () => {
    // Prepare
    let now = new Date('2026-12-02T10:00:00Z');
    const meter = createMeter({ now: () => now });
    meter.logWritten('worker', 10, 1);
    const before = meter.snapshot();
    before.logs['/aws/lambda/worker'] = { bytes: 0, events: 0 };
    now = new Date('2026-12-02T11:00:00Z');
    // Act
    const kept = meter.snapshot();
    meter.reset();
    // Assess
    expect(kept.logs['/aws/lambda/worker']).toEqual({ bytes: 10, events: 1 });
    expect(kept.since).toBe('2026-12-02T10:00:00.000Z');
    expect(meter.snapshot()).toEqual({
      since: '2026-12-02T11:00:00.000Z',
      lambda: {},
      dynamodb: {},
      eventbridge: {},
      sqs: {},
      apigateway: {},
      logs: {},
    });
  });
});
