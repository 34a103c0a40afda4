// The rule and bus operations of the API: listing, describing, paging and permissions.
import { describe, expect, it } from 'vitest';
import { admin, functionCaller, useApiBridges } from './test-support/api.ts';
import { BUS_ARN, DEFAULT_BUS_ARN, QUEUE_ARN, ruleArn } from './test-support/fixtures.ts';

const setup = useApiBridges();

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
});
