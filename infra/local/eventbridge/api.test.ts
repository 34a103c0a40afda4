import { afterEach, describe, expect, it } from 'vitest';
import type { CallerIdentity, PolicyStatement } from '../model.ts';
import { createEventBridge, type LocalEventBridgeService } from './index.ts';
import {
  archiveResource,
  BUS_ARN,
  busResource,
  DEFAULT_BUS_ARN,
  entry,
  FakeLambda,
  FakeQueues,
  MemoryLog,
  QUEUE_ARN,
  ruleArn,
  ruleResource,
  stackOf,
  tempStateDir,
} from './test-support/fixtures.ts';

const admin: CallerIdentity = { kind: 'admin', accessKeyId: 'AKIDADMIN' };
const archiveArn = 'arn:aws:events:us-east-1:000000000000:archive/orders-archive';
const bridges: LocalEventBridgeService[] = [];

function functionCaller(statements: PolicyStatement[]): CallerIdentity {
  return {
    kind: 'function',
    functionName: 'publisher',
    roleArn: 'arn:aws:iam::000000000000:role/publisher-role',
    statements,
  };
}

function setup() {
  const queues = new FakeQueues();
  const bridge = createEventBridge({
    stack: stackOf(
      busResource(),
      ruleResource('orders-to-queue', {
        EventBusName: 'my-bus',
        Description: 'orders go to the queue',
        EventPattern: { source: ['app.orders'] },
        Targets: [{ Id: 'queue', Arn: QUEUE_ARN, RetryPolicy: { MaximumRetryAttempts: 3 } }],
      }),
      ruleResource('orders-audit', {
        EventBusName: 'my-bus',
        EventPattern: { source: ['app.orders'] },
        Targets: [{ Id: 'queue', Arn: QUEUE_ARN }],
      }),
      ruleResource('nightly', {
        ScheduleExpression: 'cron(0 2 * * ? *)',
        Targets: [{ Id: 'q', Arn: QUEUE_ARN }],
      }),
      archiveResource('orders-archive', { SourceArn: BUS_ARN, RetentionDays: 7 }),
    ),
    lambda: new FakeLambda(),
    queues,
    log: new MemoryLog(),
    stateDir: tempStateDir(),
    retryBaseDelayMs: 1,
  });
  bridges.push(bridge);
  return { bridge, queues };
}

afterEach(async () => {
  await Promise.all(bridges.splice(0).map((bridge) => bridge.stop()));
});

describe('PutEvents', () => {
  it('answers an EventId per entry and FailedEntryCount 0', async () => {
    // Prepare
    const { bridge } = setup();
    // Act
    const response = await bridge.handle('PutEvents', { Entries: [entry(), entry()] }, admin);
    // Assess
    expect(response).toEqual({
      status: 200,
      body: {
        FailedEntryCount: 0,
        Entries: [{ EventId: expect.stringMatching(/^[0-9a-f-]{36}$/) }, { EventId: expect.any(String) }],
      },
    });
  });

  it.each([
    ['no entries', []],
    ['more than 10 entries', new Array(11).fill(entry())],
    ['entries that are not a list', undefined],
  ])('refuses %s with a ValidationException', async (_name, entries) => {
    // Prepare
    const { bridge } = setup();
    // Act
    const response = await bridge.handle('PutEvents', { Entries: entries }, admin);
    // Assess
    expect(response).toMatchObject({ status: 400, body: { __type: 'ValidationException' } });
  });

  it('refuses a request over 256 KB', async () => {
    // Prepare
    const { bridge } = setup();
    const big = JSON.stringify({ data: 'x'.repeat(130 * 1024) });
    // Act
    const response = await bridge.handle(
      'PutEvents',
      { Entries: [entry({ Detail: big }), entry({ Detail: big })] },
      admin,
    );
    // Assess
    expect(response).toEqual({
      status: 400,
      body: {
        __type: 'ValidationException',
        message: 'Total size of the entries in the request is over the limit.',
      },
    });
  });

  it.each([
    ['a missing Source', { Source: undefined }, 'InvalidArgument', /Source/],
    ['a missing DetailType', { DetailType: undefined }, 'InvalidArgument', /DetailType/],
    ['a missing Detail', { Detail: undefined }, 'InvalidArgument', /Detail/],
    ['a Detail that is not JSON', { Detail: '{oops' }, 'MalformedDetail', /malformed/],
    ['a Detail that is a JSON array', { Detail: '[1]' }, 'MalformedDetail', /malformed/],
    ['Resources that are not strings', { Resources: [1] }, 'InvalidArgument', /Resources/],
    ['a Time that is not a time', { Time: 'yesterday' }, 'InvalidArgument', /Time/],
    ['an aws. source', { Source: 'aws.ec2' }, 'NotAuthorizedForSourceException', /source/],
    [
      'an unknown bus',
      { EventBusName: 'nope' },
      'ResourceNotFoundException',
      /Event bus nope does not exist/,
    ],
  ])('reports %s as a per-entry error beside the good entries', async (_name, overrides, code, message) => {
    // Prepare
    const { bridge } = setup();
    // Act
    const response = await bridge.handle('PutEvents', { Entries: [entry(), entry(overrides)] }, admin);
    // Assess
    expect(response.body).toEqual({
      FailedEntryCount: 1,
      Entries: [
        { EventId: expect.any(String) },
        { ErrorCode: code, ErrorMessage: expect.stringMatching(message) },
      ],
    });
  });

  it('uses the entry Time (epoch seconds) as the event time, to the second', async () => {
    // Prepare
    const { bridge, queues } = setup();
    // Act
    await bridge.handle('PutEvents', { Entries: [entry({ Time: 1767225600.5 })] }, admin);
    await bridge.settled();
    // Assess
    expect(JSON.parse(queues.sent[0]?.body ?? '').time).toBe('2026-01-01T00:00:00Z');
  });

  it('lets a function whose role allows events:PutEvents on the bus publish', async () => {
    // Prepare
    const { bridge } = setup();
    const caller = functionCaller([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: BUS_ARN }]);
    // Act
    const response = await bridge.handle('PutEvents', { Entries: [entry()] }, caller);
    // Assess
    expect(response.status).toBe(200);
  });

  it('denies a function without events:PutEvents with AccessDeniedException', async () => {
    // Prepare
    const { bridge, queues } = setup();
    const caller = functionCaller([{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }]);
    // Act
    const response = await bridge.handle('PutEvents', { Entries: [entry()] }, caller);
    await bridge.settled();
    // Assess
    expect(response).toEqual({
      status: 400,
      body: {
        __type: 'AccessDeniedException',
        message: `User: arn:aws:sts::000000000000:assumed-role/publisher-role/publisher is not authorized to perform: events:PutEvents on resource: ${BUS_ARN} because no identity-based policy allows the events:PutEvents action`,
      },
    });
    expect(queues.sent).toEqual([]);
  });

  it('denies a function allowed on another bus only', async () => {
    // Prepare
    const { bridge } = setup();
    const caller = functionCaller([{ Effect: 'Allow', Action: 'events:*', Resource: DEFAULT_BUS_ARN }]);
    // Act
    const response = await bridge.handle('PutEvents', { Entries: [entry()] }, caller);
    // Assess
    expect(response.body).toMatchObject({ __type: 'AccessDeniedException' });
  });
});

describe('TestEventPattern', () => {
  const event = JSON.stringify({
    id: '1',
    account: '000000000000',
    source: 'app.orders',
    time: '2026-01-01T00:00:00Z',
    region: 'us-east-1',
    resources: [],
    'detail-type': 'OrderPlaced',
    detail: { amount: 5 },
  });

  it('answers whether the event matches', async () => {
    // Prepare
    const { bridge } = setup();
    const pattern = JSON.stringify({ detail: { amount: [{ numeric: ['>', 1] }] } });
    // Act
    const response = await bridge.handle('TestEventPattern', { EventPattern: pattern, Event: event }, admin);
    // Assess
    expect(response).toEqual({ status: 200, body: { Result: true } });
  });

  it('answers InvalidEventPatternException for an invalid pattern', async () => {
    // Prepare
    const { bridge } = setup();
    // Act
    const response = await bridge.handle(
      'TestEventPattern',
      { EventPattern: '{"source":"x"}', Event: event },
      admin,
    );
    // Assess
    expect(response).toMatchObject({
      status: 400,
      body: {
        __type: 'InvalidEventPatternException',
        message: expect.stringMatching(/^Event pattern is not valid/),
      },
    });
  });

  it('refuses an event without the mandatory fields', async () => {
    // Prepare
    const { bridge } = setup();
    // Act
    const response = await bridge.handle(
      'TestEventPattern',
      { EventPattern: '{"source":["x"]}', Event: '{"source":"x"}' },
      admin,
    );
    // Assess
    expect(response).toMatchObject({ status: 400, body: { __type: 'ValidationException' } });
  });
});

describe('rules and buses', () => {
  it('lists the rules of a bus filtered by name prefix', async () => {
    // Prepare
    const { bridge } = setup();
    // Act
    const response = await bridge.handle(
      'ListRules',
      { EventBusName: 'my-bus', NamePrefix: 'orders-to' },
      admin,
    );
    // Assess
    expect(response.body).toEqual({
      Rules: [
        {
          Name: 'orders-to-queue',
          Arn: ruleArn('orders-to-queue'),
          EventPattern: '{"source":["app.orders"]}',
          State: 'ENABLED',
          Description: 'orders go to the queue',
          EventBusName: 'my-bus',
          CreatedBy: '000000000000',
        },
      ],
    });
  });

  it('lists the default bus rules when no bus is named', async () => {
    // Prepare
    const { bridge } = setup();
    // Act
    const response = await bridge.handle('ListRules', {}, admin);
    // Assess
    expect((response.body as { Rules: { Name: string }[] }).Rules.map((r) => r.Name)).toEqual(['nightly']);
  });

  it('pages rules with Limit and NextToken', async () => {
    // Prepare
    const { bridge } = setup();
    const first = await bridge.handle('ListRules', { EventBusName: 'my-bus', Limit: 1 }, admin);
    const token = (first.body as { NextToken: string }).NextToken;
    // Act
    const second = await bridge.handle(
      'ListRules',
      { EventBusName: 'my-bus', Limit: 1, NextToken: token },
      admin,
    );
    // Assess
    expect((second.body as { Rules: { Name: string }[] }).Rules.map((r) => r.Name)).toEqual([
      'orders-to-queue',
    ]);
  });

  it('describes a scheduled rule with its expression', async () => {
    // Prepare
    const { bridge } = setup();
    // Act
    const response = await bridge.handle('DescribeRule', { Name: 'nightly' }, admin);
    // Assess
    expect(response.body).toMatchObject({
      Name: 'nightly',
      ScheduleExpression: 'cron(0 2 * * ? *)',
      EventBusName: 'default',
    });
  });

  it('answers ResourceNotFoundException for an unknown rule', async () => {
    // Prepare
    const { bridge } = setup();
    // Act
    const response = await bridge.handle('DescribeRule', { Name: 'nope', EventBusName: 'my-bus' }, admin);
    // Assess
    expect(response).toEqual({
      status: 400,
      body: { __type: 'ResourceNotFoundException', message: 'Rule nope does not exist on EventBus my-bus.' },
    });
  });

  it('lists the targets of a rule as the template declares them', async () => {
    // Prepare
    const { bridge } = setup();
    // Act
    const response = await bridge.handle(
      'ListTargetsByRule',
      { Rule: 'orders-to-queue', EventBusName: BUS_ARN },
      admin,
    );
    // Assess
    expect(response.body).toEqual({
      Targets: [{ Id: 'queue', Arn: QUEUE_ARN, RetryPolicy: { MaximumRetryAttempts: 3 } }],
    });
  });

  it('describes the default bus when no name is given', async () => {
    // Prepare
    const { bridge } = setup();
    // Act
    const response = await bridge.handle('DescribeEventBus', {}, admin);
    // Assess
    expect(response.body).toEqual({ Name: 'default', Arn: DEFAULT_BUS_ARN });
  });

  it('lists the buses', async () => {
    // Prepare
    const { bridge } = setup();
    // Act
    const response = await bridge.handle('ListEventBuses', {}, admin);
    // Assess
    expect(response.body).toEqual({
      EventBuses: [
        { Name: 'default', Arn: DEFAULT_BUS_ARN },
        { Name: 'my-bus', Arn: BUS_ARN },
      ],
    });
  });

  it('denies a function DescribeRule without events:DescribeRule', async () => {
    // Prepare
    const { bridge } = setup();
    const caller = functionCaller([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: '*' }]);
    // Act
    const response = await bridge.handle('DescribeRule', { Name: 'nightly' }, caller);
    // Assess
    expect(response.body).toMatchObject({ __type: 'AccessDeniedException' });
  });

  it('answers UnknownOperationException for an operation it does not speak', async () => {
    // Prepare
    const { bridge } = setup();
    // Act
    const response = await bridge.handle('PutRule', {}, admin);
    // Assess
    expect(response).toMatchObject({ status: 400, body: { __type: 'UnknownOperationException' } });
  });
});

describe('archives and replays', () => {
  it('describes an archive with its event count', async () => {
    // Prepare
    const { bridge } = setup();
    await bridge.putEvents([entry(), entry()]);
    // Act
    const response = await bridge.handle('DescribeArchive', { ArchiveName: 'orders-archive' }, admin);
    // Assess
    expect(response.body).toMatchObject({
      ArchiveArn: archiveArn,
      ArchiveName: 'orders-archive',
      EventSourceArn: BUS_ARN,
      State: 'ENABLED',
      RetentionDays: 7,
      EventCount: 2,
      SizeBytes: expect.any(Number),
      CreationTime: expect.any(Number),
    });
  });

  it('lists archives by event source', async () => {
    // Prepare
    const { bridge } = setup();
    // Act
    const response = await bridge.handle('ListArchives', { EventSourceArn: DEFAULT_BUS_ARN }, admin);
    // Assess
    expect(response.body).toEqual({ Archives: [] });
  });

  it('answers StartReplay with the replay ARN and state STARTING', async () => {
    // Prepare
    const { bridge } = setup();
    const params = {
      ReplayName: 'r1',
      EventSourceArn: archiveArn,
      EventStartTime: 0,
      EventEndTime: Date.now() / 1000,
      Destination: { Arn: BUS_ARN },
    };
    // Act
    const response = await bridge.handle('StartReplay', params, admin);
    // Assess
    expect(response.body).toEqual({
      ReplayArn: 'arn:aws:events:us-east-1:000000000000:replay/r1',
      State: 'STARTING',
      ReplayStartTime: expect.any(Number),
    });
  });

  it('lists replays with their state', async () => {
    // Prepare
    const { bridge } = setup();
    await bridge.handle(
      'StartReplay',
      {
        ReplayName: 'r1',
        EventSourceArn: archiveArn,
        EventStartTime: 0,
        EventEndTime: 10,
        Destination: { Arn: BUS_ARN },
      },
      admin,
    );
    await bridge.settled();
    // Act
    const response = await bridge.handle('ListReplays', {}, admin);
    // Assess
    expect(response.body).toEqual({
      Replays: [
        expect.objectContaining({ ReplayName: 'r1', EventSourceArn: archiveArn, State: 'COMPLETED' }),
      ],
    });
  });

  it.each([
    [
      'a replay to another bus',
      {
        ReplayName: 'x',
        EventSourceArn: archiveArn,
        EventStartTime: 0,
        EventEndTime: 10,
        Destination: { Arn: DEFAULT_BUS_ARN },
      },
      'ValidationException',
    ],
    [
      'a start after the end',
      {
        ReplayName: 'x',
        EventSourceArn: archiveArn,
        EventStartTime: 10,
        EventEndTime: 0,
        Destination: { Arn: BUS_ARN },
      },
      'ValidationException',
    ],
    [
      'an unknown archive',
      {
        ReplayName: 'x',
        EventSourceArn: `${archiveArn}-nope`,
        EventStartTime: 0,
        EventEndTime: 10,
        Destination: { Arn: BUS_ARN },
      },
      'ResourceNotFoundException',
    ],
  ])('refuses %s', async (_name, params, type) => {
    // Prepare
    const { bridge } = setup();
    // Act
    const response = await bridge.handle('StartReplay', params, admin);
    // Assess
    expect(response).toMatchObject({ status: 400, body: { __type: type } });
  });

  it('refuses a second replay with the same name', async () => {
    // Prepare
    const { bridge } = setup();
    const params = {
      ReplayName: 'dup',
      EventSourceArn: archiveArn,
      EventStartTime: 0,
      EventEndTime: 10,
      Destination: { Arn: BUS_ARN },
    };
    await bridge.handle('StartReplay', params, admin);
    // Act
    const response = await bridge.handle('StartReplay', params, admin);
    // Assess
    expect(response.body).toMatchObject({ __type: 'ResourceAlreadyExistsException' });
  });

  it('answers ResourceNotFoundException for an unknown replay', async () => {
    // Prepare
    const { bridge } = setup();
    // Act
    const response = await bridge.handle('DescribeReplay', { ReplayName: 'nope' }, admin);
    // Assess
    expect(response.body).toMatchObject({ __type: 'ResourceNotFoundException' });
  });
});
