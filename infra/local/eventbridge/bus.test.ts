import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ResolvedResource } from '../model.ts';
import type { DeliveryReport } from './bus.ts';
import { createEventBridge, type LocalEventBridgeService } from './index.ts';
import {
  archiveResource,
  BUS_ARN,
  busResource,
  DEFAULT_BUS_ARN,
  DLQ_ARN,
  entry,
  FakeLambda,
  FakeQueues,
  FIFO_QUEUE_ARN,
  FUNCTION_ARN,
  MemoryLog,
  QUEUE_ARN,
  ruleArn,
  ruleResource,
  stackOf,
  tempStateDir,
} from './test-support/fixtures.ts';

const bridges: LocalEventBridgeService[] = [];

function setup(resources: ResolvedResource[], options: { stateDir?: string; now?: () => Date } = {}) {
  const queues = new FakeQueues();
  const lambda = new FakeLambda();
  const log = new MemoryLog();
  const stateDir = options.stateDir ?? tempStateDir();
  const bridge = createEventBridge({
    stack: stackOf(busResource(), ...resources),
    lambda,
    queues,
    log,
    stateDir,
    retryBaseDelayMs: 1,
    ...(options.now ? { now: options.now } : {}),
  });
  bridges.push(bridge);
  return { bridge, queues, lambda, log, stateDir };
}

function queueRule(name: string, extra: Record<string, unknown> = {}, target: Record<string, unknown> = {}) {
  return ruleResource(name, {
    EventBusName: 'my-bus',
    EventPattern: { source: ['app.orders'] },
    Targets: [{ Id: 'queue', Arn: QUEUE_ARN, ...target }],
    ...extra,
  });
}

afterEach(async () => {
  await Promise.all(bridges.splice(0).map((bridge) => bridge.stop()));
  vi.useRealTimers();
});

describe('routing', () => {
  it('sends a matching event to an SQS target as the full envelope', async () => {
    // Prepare
    const { bridge, queues } = setup([queueRule('to-queue')]);
    // Act
    const result = await bridge.putEvents([entry()]);
    await bridge.settled();
    // Assess
    const [message] = queues.to(QUEUE_ARN);
    expect(JSON.parse(message?.body ?? '')).toEqual({
      version: '0',
      id: result.Entries[0]?.EventId,
      'detail-type': 'OrderPlaced',
      source: 'app.orders',
      account: '000000000000',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: 'us-east-1',
      resources: [],
      detail: { orderId: 'o-1', amount: 42 },
    });
  });

  it('invokes a Lambda target asynchronously with the event', async () => {
    // Prepare
    const { bridge, lambda } = setup([
      ruleResource('to-fn', {
        EventBusName: 'my-bus',
        EventPattern: { 'detail-type': ['OrderPlaced'] },
        Targets: [{ Id: 'fn', Arn: FUNCTION_ARN }],
      }),
    ]);
    // Act
    await bridge.putEvents([entry()]);
    await bridge.settled();
    // Assess
    expect(lambda.invocations).toEqual([
      {
        functionRef: FUNCTION_ARN,
        event: expect.objectContaining({ source: 'app.orders', detail: { orderId: 'o-1', amount: 42 } }),
        options: { invocationType: 'Event' },
      },
    ]);
  });

  it('does not deliver an event that matches no rule', async () => {
    // Prepare
    const { bridge, queues } = setup([queueRule('to-queue')]);
    // Act
    await bridge.putEvents([entry({ Source: 'app.other' })]);
    await bridge.settled();
    // Assess
    expect(queues.sent).toEqual([]);
  });

  it('does not match a disabled rule', async () => {
    // Prepare
    const { bridge, queues } = setup([queueRule('off', { State: 'DISABLED' })]);
    // Act
    await bridge.putEvents([entry()]);
    await bridge.settled();
    // Assess
    expect(queues.sent).toEqual([]);
  });

  it('only routes to the rules of the bus the event was put on', async () => {
    // Prepare
    const { bridge, queues } = setup([queueRule('on-custom-bus')]);
    // Act
    await bridge.putEvents([entry({ EventBusName: undefined })]);
    await bridge.settled();
    // Assess
    expect(queues.sent).toEqual([]);
  });

  it('accepts the bus by ARN', async () => {
    // Prepare
    const { bridge, queues } = setup([queueRule('to-queue')]);
    // Act
    await bridge.putEvents([entry({ EventBusName: BUS_ARN })]);
    await bridge.settled();
    // Assess
    expect(queues.to(QUEUE_ARN)).toHaveLength(1);
  });

  it('reads a pattern given as a JSON string in the template', async () => {
    // Prepare
    const { bridge, queues } = setup([
      queueRule('json-text', { EventPattern: '{"detail":{"amount":[{"numeric":[">",40]}]}}' }),
    ]);
    // Act
    await bridge.putEvents([entry()]);
    await bridge.settled();
    // Assess
    expect(queues.to(QUEUE_ARN)).toHaveLength(1);
  });

  it('passes the message group id and, for FIFO queues, the event id as deduplication id', async () => {
    // Prepare
    const { bridge, queues } = setup([
      ruleResource('fifo', {
        EventBusName: 'my-bus',
        EventPattern: { source: ['app.orders'] },
        Targets: [{ Id: 'q', Arn: FIFO_QUEUE_ARN, SqsParameters: { MessageGroupId: 'orders' } }],
      }),
    ]);
    // Act
    const result = await bridge.putEvents([entry()]);
    await bridge.settled();
    // Assess
    expect(queues.to(FIFO_QUEUE_ARN)[0]?.options).toEqual({
      messageGroupId: 'orders',
      messageDeduplicationId: result.Entries[0]?.EventId,
    });
  });

  it('forwards an event to an event bus target, whose rules then route it', async () => {
    // Prepare
    const { bridge, queues } = setup([
      ruleResource('to-default-bus', {
        EventBusName: 'my-bus',
        EventPattern: { source: ['app.orders'] },
        Targets: [{ Id: 'bus', Arn: DEFAULT_BUS_ARN }],
      }),
      ruleResource('on-default-bus', {
        EventPattern: { source: ['app.orders'] },
        Targets: [{ Id: 'q', Arn: QUEUE_ARN }],
      }),
    ]);
    // Act
    const { Entries } = await bridge.putEvents([entry()]);
    await bridge.settled();
    // Assess
    expect(queues.to(QUEUE_ARN).map((m) => JSON.parse(m.body).id)).toEqual([Entries[0]?.EventId]);
  });

  it('drops, without retrying, an event for a target type it cannot deliver to', async () => {
    // Prepare
    const topicArn = 'arn:aws:sns:us-east-1:000000000000:my-topic';
    const { bridge } = setup([queueRule('to-topic', { Targets: [{ Id: 'topic', Arn: topicArn }] })]);
    // Act
    const { Entries } = await bridge.putEvents([entry()]);
    await bridge.settled();
    // Assess
    expect(bridge.history(Entries[0]?.EventId ?? '')[0]?.targets[0]).toMatchObject({
      status: 'dropped',
      attempts: 1,
      errorCode: 'UNSUPPORTED_TARGET',
    });
  });

  it('refuses a template whose rule pattern is invalid, naming the rule', () => {
    // Prepare
    const resources = [queueRule('bad', { EventPattern: { source: 'app.orders' } })];
    // Act
    const act = () => setup(resources);
    // Assess
    expect(act).toThrow(/badRule: Event pattern is not valid/);
  });

  it('lists the rules with their bus, pattern and targets', () => {
    // Prepare
    const { bridge } = setup([queueRule('to-queue')]);
    // Act
    const rules = bridge.rules();
    // Assess
    expect(rules).toEqual([
      {
        name: 'to-queue',
        arn: ruleArn('to-queue'),
        eventBusName: 'my-bus',
        state: 'ENABLED',
        eventPattern: '{"source":["app.orders"]}',
        targets: [{ Id: 'queue', Arn: QUEUE_ARN }],
      },
    ]);
  });
});

describe('target input', () => {
  it('sends a constant Input instead of the event', async () => {
    // Prepare
    const { bridge, queues } = setup([queueRule('constant', {}, { Input: '{"ping":1}' })]);
    // Act
    await bridge.putEvents([entry()]);
    await bridge.settled();
    // Assess
    expect(queues.to(QUEUE_ARN)[0]?.body).toBe('{"ping":1}');
  });

  it('sends the part an InputPath selects', async () => {
    // Prepare
    const { bridge, queues } = setup([queueRule('path', {}, { InputPath: '$.detail' })]);
    // Act
    await bridge.putEvents([entry()]);
    await bridge.settled();
    // Assess
    expect(JSON.parse(queues.to(QUEUE_ARN)[0]?.body ?? '')).toEqual({ orderId: 'o-1', amount: 42 });
  });

  it('applies an input transformer with the rule name reserved variable', async () => {
    // Prepare
    const transformer = {
      InputPathsMap: { id: '$.detail.orderId' },
      InputTemplate: '{"order": <id>, "rule": <aws.events.rule-name>}',
    };
    const { bridge, queues } = setup([queueRule('transform', {}, { InputTransformer: transformer })]);
    // Act
    await bridge.putEvents([entry()]);
    await bridge.settled();
    // Assess
    expect(JSON.parse(queues.to(QUEUE_ARN)[0]?.body ?? '')).toEqual({ order: 'o-1', rule: 'transform' });
  });

  it('gives a Lambda target the text of a plain-text template as a string', async () => {
    // Prepare
    const { bridge, lambda } = setup([
      ruleResource('text', {
        EventBusName: 'my-bus',
        EventPattern: { source: ['app.orders'] },
        Targets: [
          {
            Id: 'fn',
            Arn: FUNCTION_ARN,
            InputTransformer: { InputPathsMap: { id: '$.detail.orderId' }, InputTemplate: 'order <id>' },
          },
        ],
      }),
    ]);
    // Act
    await bridge.putEvents([entry()]);
    await bridge.settled();
    // Assess
    expect(lambda.invocations[0]?.event).toBe('order o-1');
  });
});

describe('retries and dead-letter queues', () => {
  it('retries a failing target and then delivers', async () => {
    // Prepare
    const { bridge, queues } = setup([queueRule('flaky')]);
    queues.failNext(QUEUE_ARN, 2);
    const { Entries } = await bridge.putEvents([entry()]);
    // Act
    await bridge.settled();
    // Assess
    expect(bridge.history(Entries[0]?.EventId ?? '')[0]?.targets[0]).toMatchObject({
      status: 'delivered',
      attempts: 3,
      retries: 2,
    });
  });

  it('sends the event to the DLQ with AWS error attributes once retries are exhausted', async () => {
    // Prepare
    const { bridge, queues } = setup([
      queueRule(
        'broken',
        {},
        { RetryPolicy: { MaximumRetryAttempts: 2 }, DeadLetterConfig: { Arn: DLQ_ARN } },
      ),
    ]);
    queues.failNext(QUEUE_ARN, 10, new Error('queue unavailable'));
    const { Entries } = await bridge.putEvents([entry()]);
    // Act
    await bridge.settled();
    // Assess
    const [dead] = queues.to(DLQ_ARN);
    expect(JSON.parse(dead?.body ?? '').id).toBe(Entries[0]?.EventId);
    expect(dead?.options?.messageAttributes).toEqual({
      RULE_ARN: { DataType: 'String', StringValue: ruleArn('broken') },
      TARGET_ARN: { DataType: 'String', StringValue: QUEUE_ARN },
      ERROR_CODE: { DataType: 'String', StringValue: 'SDK_CLIENT_ERROR' },
      ERROR_MESSAGE: { DataType: 'String', StringValue: 'queue unavailable' },
      EXHAUSTED_RETRY_CONDITION: { DataType: 'String', StringValue: 'MaximumRetryAttempts' },
      RETRY_ATTEMPTS: { DataType: 'Number', StringValue: '2' },
    });
  });

  it('does not retry a target that does not exist', async () => {
    // Prepare
    const { bridge, lambda, queues } = setup([
      ruleResource('gone', {
        EventBusName: 'my-bus',
        EventPattern: { source: ['app.orders'] },
        Targets: [{ Id: 'fn', Arn: FUNCTION_ARN, DeadLetterConfig: { Arn: DLQ_ARN } }],
      }),
    ]);
    lambda.results.push({
      ok: false,
      errorType: 'ResourceNotFoundException',
      errorMessage: 'Function not found',
    });
    // Act
    await bridge.putEvents([entry()]);
    await bridge.settled();
    // Assess
    expect(lambda.invocations).toHaveLength(1);
    expect(queues.to(DLQ_ARN)[0]?.options?.messageAttributes?.ERROR_CODE?.StringValue).toBe(
      'RESOURCE_NOT_FOUND',
    );
  });

  it('drops and logs the event when retries are exhausted without a DLQ', async () => {
    // Prepare
    const { bridge, queues, log } = setup([
      queueRule('no-dlq', {}, { RetryPolicy: { MaximumRetryAttempts: 0 } }),
    ]);
    queues.failNext(QUEUE_ARN, 1);
    const { Entries } = await bridge.putEvents([entry()]);
    // Act
    await bridge.settled();
    // Assess
    expect(bridge.history(Entries[0]?.EventId ?? '')[0]?.targets[0]?.status).toBe('dropped');
    expect(log.lines.some((line) => line.level === 'warn' && /dropped/.test(line.message))).toBe(true);
  });

  it('stops retrying when the next attempt would pass the maximum event age', async () => {
    // Prepare
    const { bridge, queues } = setup([
      queueRule(
        'aged',
        {},
        { RetryPolicy: { MaximumEventAgeInSeconds: 0 }, DeadLetterConfig: { Arn: DLQ_ARN } },
      ),
    ]);
    queues.failNext(QUEUE_ARN, 5);
    // Act
    await bridge.putEvents([entry()]);
    await bridge.settled();
    // Assess
    expect(queues.to(DLQ_ARN)[0]?.options?.messageAttributes?.EXHAUSTED_RETRY_CONDITION?.StringValue).toBe(
      'MaximumEventAgeInSeconds',
    );
  });
});

describe('observation', () => {
  it('reports the matched rules, the retries and the outcome of each target', async () => {
    // Prepare
    const { bridge, queues } = setup([queueRule('observed')]);
    const reports: DeliveryReport[] = [];
    bridge.subscribe((report) => reports.push(report));
    queues.failNext(QUEUE_ARN, 1);
    // Act
    const { Entries } = await bridge.putEvents([entry()]);
    await bridge.settled();
    // Assess
    const eventId = Entries[0]?.EventId;
    expect(
      reports.map((r) =>
        r.kind === 'matched' ? ['matched', r.matchedRules[0]?.name] : [r.outcome, r.retries],
      ),
    ).toEqual([
      ['matched', 'observed'],
      ['retrying', 0],
      ['delivered', 1],
    ]);
    expect(reports.every((r) => r.eventId === eventId)).toBe(true);
  });

  it('stops reporting to a listener that unsubscribed', async () => {
    // Prepare
    const { bridge } = setup([queueRule('observed')]);
    const reports: DeliveryReport[] = [];
    const unsubscribe = bridge.subscribe((report) => reports.push(report));
    unsubscribe();
    // Act
    await bridge.putEvents([entry()]);
    await bridge.settled();
    // Assess
    expect(reports).toEqual([]);
  });

  it('keeps the history of an event by id', async () => {
    // Prepare
    const { bridge } = setup([queueRule('kept')]);
    // Act
    const { Entries } = await bridge.putEvents([entry()]);
    await bridge.settled();
    // Assess
    expect(bridge.history(Entries[0]?.EventId ?? '')).toEqual([
      expect.objectContaining({
        eventBusName: 'my-bus',
        matchedRules: [{ name: 'kept', arn: ruleArn('kept') }],
        targets: [expect.objectContaining({ targetId: 'queue', targetArn: QUEUE_ARN, status: 'delivered' })],
      }),
    ]);
  });
});

describe('scheduled rules', () => {
  it('fires a rate() rule at start, then every period', async () => {
    // Prepare
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const { bridge, queues } = setup([
      ruleResource('tick', {
        ScheduleExpression: 'rate(1 minute)',
        Targets: [{ Id: 'q', Arn: QUEUE_ARN }],
      }),
    ]);
    // Act
    bridge.start();
    await vi.advanceTimersByTimeAsync(120_000);
    // Assess
    expect(queues.to(QUEUE_ARN).map((m) => JSON.parse(m.body).time)).toEqual([
      '2026-01-01T00:00:00Z',
      '2026-01-01T00:01:00Z',
      '2026-01-01T00:02:00Z',
    ]);
  });

  it('sends the scheduled event envelope AWS sends', async () => {
    // Prepare
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const { bridge, queues } = setup([
      ruleResource('tick', { ScheduleExpression: 'rate(5 minutes)', Targets: [{ Id: 'q', Arn: QUEUE_ARN }] }),
    ]);
    // Act
    bridge.start();
    await vi.advanceTimersByTimeAsync(0);
    // Assess
    expect(JSON.parse(queues.to(QUEUE_ARN)[0]?.body ?? '')).toMatchObject({
      version: '0',
      source: 'aws.events',
      'detail-type': 'Scheduled Event',
      account: '000000000000',
      region: 'us-east-1',
      resources: [ruleArn('tick', 'default')],
      detail: {},
    });
  });

  it('fires a cron() rule at its next matching minute', async () => {
    // Prepare
    vi.useFakeTimers({ now: new Date('2026-01-01T09:58:30Z') });
    const { bridge, queues } = setup([
      ruleResource('daily', {
        ScheduleExpression: 'cron(0 10 * * ? *)',
        Targets: [{ Id: 'q', Arn: QUEUE_ARN }],
      }),
    ]);
    // Act
    bridge.start();
    await vi.advanceTimersByTimeAsync(3 * 60_000);
    // Assess
    expect(queues.to(QUEUE_ARN).map((m) => JSON.parse(m.body).time)).toEqual(['2026-01-01T10:00:00Z']);
  });

  it('does not fire a disabled scheduled rule', async () => {
    // Prepare
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const { bridge, queues } = setup([
      ruleResource('off', {
        ScheduleExpression: 'rate(1 minute)',
        State: 'DISABLED',
        Targets: [{ Id: 'q', Arn: QUEUE_ARN }],
      }),
    ]);
    // Act
    bridge.start();
    await vi.advanceTimersByTimeAsync(120_000);
    // Assess
    expect(queues.sent).toEqual([]);
  });

  it('stops firing after stop()', async () => {
    // Prepare
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const { bridge, queues } = setup([
      ruleResource('tick', { ScheduleExpression: 'rate(1 minute)', Targets: [{ Id: 'q', Arn: QUEUE_ARN }] }),
    ]);
    bridge.start();
    await vi.advanceTimersByTimeAsync(0);
    // Act
    await bridge.stop();
    await vi.advanceTimersByTimeAsync(300_000);
    // Assess
    expect(queues.sent).toHaveLength(1);
  });
});

describe('archive and replay', () => {
  function archiveSetup(stateDir?: string) {
    let clock = new Date('2026-01-01T00:00:00Z');
    const context = setup(
      [
        queueRule('to-queue'),
        ruleResource('other', {
          EventBusName: 'my-bus',
          EventPattern: { source: ['app.orders'] },
          Targets: [{ Id: 'fn', Arn: FUNCTION_ARN }],
        }),
        archiveResource('orders-archive', { SourceArn: BUS_ARN, EventPattern: { source: ['app.orders'] } }),
      ],
      { now: () => clock, ...(stateDir ? { stateDir } : {}) },
    );
    return { ...context, setClock: (iso: string) => (clock = new Date(iso)) };
  }

  const archiveArn = 'arn:aws:events:us-east-1:000000000000:archive/orders-archive';
  const admin = { kind: 'admin', accessKeyId: 'test' } as const;

  async function waitForReplay(bridge: LocalEventBridgeService, name: string) {
    await bridge.settled();
    return (await bridge.handle('DescribeReplay', { ReplayName: name }, admin)).body as Record<
      string,
      unknown
    >;
  }

  it('appends archived events to a JSON-lines file in the state folder', async () => {
    // Prepare
    const { bridge, stateDir } = archiveSetup();
    // Act
    const { Entries } = await bridge.putEvents([entry()]);
    // Assess
    const lines = readFileSync(join(stateDir, 'archive-orders-archive.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).event.id)).toEqual([Entries[0]?.EventId]);
  });

  it('only archives events matching the archive pattern', async () => {
    // Prepare
    const { bridge, stateDir } = archiveSetup();
    // Act
    await bridge.putEvents([entry({ Source: 'app.other' })]);
    // Assess
    expect(() => readFileSync(join(stateDir, 'archive-orders-archive.jsonl'), 'utf8')).toThrow();
  });

  it('replays the events of the time window to the matching rules with a replay-name', async () => {
    // Prepare
    const { bridge, queues, setClock } = archiveSetup();
    setClock('2026-01-01T00:00:00Z');
    await bridge.putEvents([entry({ Detail: '{"n":1}' })]);
    setClock('2026-01-01T01:00:00Z');
    await bridge.putEvents([entry({ Detail: '{"n":2}' })]);
    setClock('2026-01-01T02:00:00Z');
    await bridge.putEvents([entry({ Detail: '{"n":3}' })]);
    await bridge.settled();
    queues.sent.length = 0;
    // Act
    await bridge.handle(
      'StartReplay',
      {
        ReplayName: 'window',
        EventSourceArn: archiveArn,
        EventStartTime: Date.parse('2026-01-01T00:30:00Z') / 1000,
        EventEndTime: Date.parse('2026-01-01T01:30:00Z') / 1000,
        Destination: { Arn: BUS_ARN },
      },
      admin,
    );
    const replay = await waitForReplay(bridge, 'window');
    // Assess
    expect(replay.State).toBe('COMPLETED');
    expect(queues.to(QUEUE_ARN).map((m) => JSON.parse(m.body))).toEqual([
      expect.objectContaining({ detail: { n: 2 }, 'replay-name': 'window' }),
    ]);
  });

  it('replays only to the rules named in FilterArns', async () => {
    // Prepare
    const { bridge, queues, lambda } = archiveSetup();
    await bridge.putEvents([entry()]);
    await bridge.settled();
    queues.sent.length = 0;
    lambda.invocations.length = 0;
    // Act
    await bridge.handle(
      'StartReplay',
      {
        ReplayName: 'filtered',
        EventSourceArn: archiveArn,
        EventStartTime: Date.parse('2025-12-31T00:00:00Z') / 1000,
        EventEndTime: Date.parse('2026-01-02T00:00:00Z') / 1000,
        Destination: { Arn: BUS_ARN, FilterArns: [ruleArn('other')] },
      },
      admin,
    );
    await waitForReplay(bridge, 'filtered');
    // Assess
    expect({ queue: queues.sent.length, lambda: lambda.invocations.length }).toEqual({ queue: 0, lambda: 1 });
  });

  it('does not archive replayed events again', async () => {
    // Prepare
    const { bridge, stateDir } = archiveSetup();
    await bridge.putEvents([entry()]);
    // Act
    await bridge.handle(
      'StartReplay',
      {
        ReplayName: 'once',
        EventSourceArn: archiveArn,
        EventStartTime: Date.parse('2025-12-31T00:00:00Z') / 1000,
        EventEndTime: Date.parse('2026-01-02T00:00:00Z') / 1000,
        Destination: { Arn: BUS_ARN },
      },
      admin,
    );
    await waitForReplay(bridge, 'once');
    // Assess
    expect(
      readFileSync(join(stateDir, 'archive-orders-archive.jsonl'), 'utf8').trim().split('\n'),
    ).toHaveLength(1);
  });

  it('replays events archived before a restart', async () => {
    // Prepare
    const stateDir = tempStateDir();
    const first = archiveSetup(stateDir);
    const { Entries } = await first.bridge.putEvents([entry()]);
    await first.bridge.stop();
    const second = archiveSetup(stateDir);
    // Act
    await second.bridge.handle(
      'StartReplay',
      {
        ReplayName: 'after-restart',
        EventSourceArn: archiveArn,
        EventStartTime: Date.parse('2025-12-31T00:00:00Z') / 1000,
        EventEndTime: Date.parse('2026-01-02T00:00:00Z') / 1000,
        Destination: { Arn: BUS_ARN },
      },
      admin,
    );
    await waitForReplay(second.bridge, 'after-restart');
    // Assess
    expect(second.queues.to(QUEUE_ARN).map((m) => JSON.parse(m.body).id)).toEqual([Entries[0]?.EventId]);
  });

  it('records replayed deliveries in the history of the original event id', async () => {
    // Prepare
    const { bridge } = archiveSetup();
    const { Entries } = await bridge.putEvents([entry()]);
    // Act
    await bridge.handle(
      'StartReplay',
      {
        ReplayName: 'history',
        EventSourceArn: archiveArn,
        EventStartTime: Date.parse('2025-12-31T00:00:00Z') / 1000,
        EventEndTime: Date.parse('2026-01-02T00:00:00Z') / 1000,
        Destination: { Arn: BUS_ARN },
      },
      admin,
    );
    await waitForReplay(bridge, 'history');
    // Assess
    expect(bridge.history(Entries[0]?.EventId ?? '').map((h) => h.replayName)).toEqual([
      undefined,
      'history',
    ]);
  });
});
