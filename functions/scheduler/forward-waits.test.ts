import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext, sqsEvent, sqsRecord } from '../../test/support/lambda.ts';
import { handler } from './forward-waits.ts';

const WAITS_URL = vi.hoisted(() => {
  const url = 'https://sqs.us-east-1.amazonaws.com/000000000000/delivery-waits';
  // Read at module load, as on Lambda.
  process.env.WAITS_QUEUE_URL = url;
  return url;
});

const sqs = mockClient(SQSClient);

afterEach(() => {
  sqs.reset();
});

const message = {
  deliveryId: 'd1',
  operation: 'schedule',
  requestId: 'r1',
  accountId: 'acct-1',
  correlationId: 'corr-1',
  wait: 2,
};

describe('waits forwarder handler', () => {
  it('sends a due wait to the FIFO requests queue in its delivery’s group, deduplicated per wait', async () => {
    sqs.on(SendMessageCommand).resolves({});
    const record = sqsRecord({ message, dueAt: new Date(Date.now() - 1_000).toISOString() });

    const result = await handler(sqsEvent([record]), lambdaContext());

    expect(result.batchItemFailures).toEqual([]);
    expect(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input).toMatchObject({
      QueueUrl: process.env.REQUESTS_QUEUE_URL,
      MessageGroupId: 'd1',
      MessageDeduplicationId: 'd1:schedule:r1:wait-2',
    });
    expect(JSON.parse(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageBody ?? '{}')).toEqual(
      message,
    );
  });

  it('sends an early wait back to the waits queue with the delay left', async () => {
    sqs.on(SendMessageCommand).resolves({});
    const record = sqsRecord({ message, dueAt: new Date(Date.now() + 30 * 60_000).toISOString() });

    await handler(sqsEvent([record]), lambdaContext());

    expect(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input).toMatchObject({
      QueueUrl: WAITS_URL,
      DelaySeconds: 900,
    });
  });

  it('fails only the record whose send failed', async () => {
    sqs.on(SendMessageCommand).rejectsOnce(new Error('SQS unavailable')).resolves({});
    const failing = sqsRecord({ message, dueAt: new Date(0).toISOString() });
    const other = sqsRecord({ message: { ...message, deliveryId: 'd2' }, dueAt: new Date(0).toISOString() });

    const result = await handler(sqsEvent([failing, other]), lambdaContext());

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: failing.messageId }]);
  });

  it('fails a malformed wait (it ends in the waits dead-letter queue) without sending anything', async () => {
    const record = sqsRecord({ message: { ...message, operation: 'cancel' }, dueAt: 'soon' });

    await expect(handler(sqsEvent([record]), lambdaContext())).rejects.toThrow('All records failed');
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });
});
