import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext, sqsEvent, sqsRecord } from '../../test/support/lambda.ts';
import type { RequestMessage } from './core/messages.ts';
import { harness, NOW } from './test-support/harness.ts';
import { handler, processRequest } from './workflow.ts';

vi.hoisted(() => {
  // Read at module load, as on Lambda.
  process.env.WAITS_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/delivery-waits';
});

const dynamo = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);

afterEach(() => {
  dynamo.reset();
  sqs.reset();
  vi.restoreAllMocks();
});

const message: RequestMessage = {
  deliveryId: 'd1',
  operation: 'schedule',
  requestId: 'r1',
  accountId: 'acct-1',
  correlationId: 'corr-1',
};

function finished(deliveryId: string, requestId: string) {
  return {
    deliveryId,
    operation: 'schedule',
    requestId,
    status: 'Completed',
    steps: {},
    compensated: [],
    version: 5,
    updatedAt: '2026-11-30T00:00:00.000Z',
  };
}

describe('workflow handler', () => {
  it('reports only the failed record of a batch, leaving the other delivery’s record done', async () => {
    dynamo.on(GetCommand).rejects(new Error('DynamoDB unavailable'));
    dynamo
      .on(GetCommand, { Key: { pk: 'WORKFLOW#d2', sk: 'schedule#r2' } })
      .resolves({ Item: finished('d2', 'r2') });
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const failing = sqsRecord(message, { groupId: 'd1' });
    const done = sqsRecord({ ...message, deliveryId: 'd2', requestId: 'r2' }, { groupId: 'd2' });

    const result = await handler(sqsEvent([done, failing]), lambdaContext());

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: failing.messageId }]);
  });

  it('delays the redelivery of a failed record by 2^receiveCount seconds', async () => {
    dynamo.on(GetCommand).rejects(new Error('DynamoDB unavailable'));
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const record = sqsRecord(message, {
      groupId: 'd1',
      receiveCount: 3,
      attributes: { correlationId: 'corr-1' },
    });

    await expect(handler(sqsEvent([record]), lambdaContext())).rejects.toThrow('All records failed');

    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input).toEqual({
      QueueUrl: process.env.REQUESTS_QUEUE_URL,
      ReceiptHandle: record.receiptHandle,
      VisibilityTimeout: 8,
    });
  });

  it('caps the redelivery delay at 60 seconds', async () => {
    dynamo.on(GetCommand).rejects(new Error('DynamoDB unavailable'));
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const record = sqsRecord(message, { groupId: 'd1', receiveCount: 9 });

    await expect(handler(sqsEvent([record]), lambdaContext())).rejects.toThrow('All records failed');

    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input.VisibilityTimeout).toBe(60);
  });

  it('still fails the record when the redelivery delay cannot be set', async () => {
    dynamo.on(GetCommand).rejects(new Error('DynamoDB unavailable'));
    sqs.on(ChangeMessageVisibilityCommand).rejects(new Error('SQS unavailable'));
    const record = sqsRecord(message, { groupId: 'd1' });

    await expect(handler(sqsEvent([record]), lambdaContext())).rejects.toThrow('All records failed');
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(1);
  });

  it('fails a malformed message without touching anything (it ends in the DLQ)', async () => {
    const record = sqsRecord({ deliveryId: 'd1', operation: 'teleport' }, { groupId: 'd1' });

    await expect(handler(sqsEvent([record]), lambdaContext())).rejects.toThrow('All records failed');
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('hands back the records it has no time left to start, reporting them failed and touching nothing of theirs', async () => {
    let remainingMs = 20_000;
    dynamo.on(GetCommand).callsFake(() => {
      // The first record's run uses the invocation up to less than the reserve.
      remainingMs = 5_000;
      return { Item: finished('d1', 'r1') };
    });
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const first = sqsRecord(message, { groupId: 'd1' });
    const second = sqsRecord({ ...message, deliveryId: 'd2', requestId: 'r2' }, { groupId: 'd2' });
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => remainingMs };

    const result = await handler(sqsEvent([first, second]), context);

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: second.messageId }]);
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(1);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((call) => call.args[0].input)).toEqual([
      expect.objectContaining({ ReceiptHandle: second.receiptHandle, VisibilityTimeout: 0 }),
    ]);
  });

  it('skips a finished workflow on redelivery and reports success', async () => {
    dynamo.on(GetCommand).resolves({ Item: finished('d1', 'r1') });
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const record = sqsRecord(message, { groupId: 'd1' });

    const result = await handler(sqsEvent([record]), lambdaContext());

    expect(result.batchItemFailures).toEqual([]);
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});

describe('processRequest', () => {
  it('does not touch the message visibility when the workflow succeeds', async () => {
    const h = harness();
    const queued = await h.ingest('d1');
    const delayRedelivery = vi.fn(async () => undefined);

    await processRequest(h.deps, { delayRedelivery }, queued, sqsRecord(queued));

    expect(delayRedelivery).not.toHaveBeenCalled();
    expect(h.fake.deliveries.get('d1')?.stage).toBe('Scheduled');
  });

  it('completes the message of a schedule that waits for a drone, so its group is not blocked', async () => {
    const h = harness();
    h.fake.fleetBooked = { latestDeparture: new Date(NOW.getTime() + 3_600_000).toISOString() };
    const queued = await h.ingest('d1');
    const delayRedelivery = vi.fn(async () => undefined);

    await processRequest(h.deps, { delayRedelivery }, queued, sqsRecord(queued));

    expect(delayRedelivery).not.toHaveBeenCalled();
    expect(h.waits.sent).toHaveLength(1);
    expect(h.fake.deliveries.get('d1')?.stage).toBe('Requested');
  });
});
