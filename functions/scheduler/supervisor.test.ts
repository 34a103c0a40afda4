import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext, sqsEvent, sqsRecord } from '../../test/support/lambda.ts';
import { handler } from './supervisor.ts';

const dynamo = mockClient(DynamoDBDocumentClient);

afterEach(() => {
  dynamo.reset();
  vi.restoreAllMocks();
});

const message = {
  deliveryId: 'd1',
  operation: 'schedule',
  requestId: 'r1',
  accountId: 'acct-1',
  correlationId: 'corr-1',
};

describe('supervisor handler', () => {
  it('acknowledges a dead request that was already settled without calling anyone', async () => {
    dynamo.on(GetCommand).resolves({
      Item: {
        ...message,
        status: 'Failed',
        steps: {},
        compensated: ['failDelivery'],
        failure: { reason: 'RetriesExhausted', detail: 'x', markDelivery: true },
        version: 3,
        updatedAt: '2026-11-30T00:00:00.000Z',
      },
    });
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const record = sqsRecord(message, { groupId: 'd1' });

    const result = await handler(sqsEvent([record]), lambdaContext());

    expect(result.batchItemFailures).toEqual([]);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('keeps a dead request in the DLQ (fails the record) while its store is unreachable', async () => {
    dynamo.on(GetCommand).rejects(new Error('DynamoDB unavailable'));
    const record = sqsRecord(message, { groupId: 'd1' });

    await expect(handler(sqsEvent([record]), lambdaContext())).rejects.toThrow('All records failed');
  });

  it('fails a malformed dead message', async () => {
    const record = sqsRecord('not json', { groupId: 'd1' });

    await expect(handler(sqsEvent([record]), lambdaContext())).rejects.toThrow('All records failed');
    expect(dynamo.calls()).toHaveLength(0);
  });
});
