// Delivery attempts to each target type, with the target's input settings.
import { describe, expect, it } from 'vitest';
import { queueRule, useBridges } from './test-support/bridge.ts';
import { entry, FIFO_QUEUE_ARN, FUNCTION_ARN, QUEUE_ARN, ruleResource } from './test-support/fixtures.ts';

const setup = useBridges();

describe('targets', () => {
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
