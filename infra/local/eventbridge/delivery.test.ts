// Target deliveries: retries with backoff, the retry policy's limits and dead-letter queues.
import { describe, expect, it } from 'vitest';
import { queueRule, useBridges } from './test-support/bridge.ts';
import { DLQ_ARN, entry, FUNCTION_ARN, QUEUE_ARN, ruleArn, ruleResource } from './test-support/fixtures.ts';

const setup = useBridges();

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
