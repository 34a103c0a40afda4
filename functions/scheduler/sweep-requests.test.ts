import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { lambdaContext } from '../../test/support/lambda.ts';
import { UNSTARTED_INDEX } from './core/store.ts';
import { handler } from './sweep-requests.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);

afterEach(() => {
  dynamo.reset();
  sqs.reset();
});

const scheduledEvent = { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} };

describe('sweep-requests (scheduled)', () => {
  it('queries the unstarted index of every shard, claims each due entry, then sends its message', async () => {
    dynamo
      .on(QueryCommand)
      .resolves({ Items: [] })
      .on(QueryCommand, { ExpressionAttributeValues: { ':shard': 'UNSTARTED#2' } }, false)
      .resolves({
        Items: [
          {
            pk: 'REQUEST#d1',
            sk: 'REQUEST',
            sweepShard: 'UNSTARTED#2',
            sweepAt: '2026-11-30T00:01:00.000Z',
            deliveryId: 'd1',
            requestId: 'r1',
            accountId: 'acct-1',
            correlationId: 'corr-1',
            sweepAttempts: 0,
          },
        ],
      });
    dynamo.on(UpdateCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });

    const report = await handler(scheduledEvent, lambdaContext(50_000));

    expect(report).toEqual({ due: 1, sent: 1, skipped: 0, failed: 0 });
    const queries = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries.map((query) => query.IndexName)).toEqual(Array(4).fill(UNSTARTED_INDEX.name));
    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      Key: { pk: 'REQUEST#d1', sk: 'REQUEST' },
      ConditionExpression: 'sweepAt = :seen',
    });
    const sent = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(sent?.MessageDeduplicationId).toBe('d1:schedule:r1');
    expect(JSON.parse(sent?.MessageBody ?? '{}')).toEqual({
      deliveryId: 'd1',
      operation: 'schedule',
      requestId: 'r1',
      accountId: 'acct-1',
      correlationId: 'corr-1',
    });
  });
});
