import { describe, expect, it } from 'vitest';
import { dynamodbChecks, queueArnFromUrl, sqsChecks } from './resources.ts';

const scope = { region: 'us-east-1', accountId: '000000000000' };
const table = (name: string) => `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`;

describe('dynamodbChecks', () => {
  it('checks a query on an index against the index ARN', () => {
    const checks = dynamodbChecks('Query', { TableName: 'Orders', IndexName: 'byAccount' }, scope);

    expect(checks).toEqual([{ action: 'dynamodb:Query', resource: `${table('Orders')}/index/byAccount` }]);
  });

  it('checks each item of a transaction with the action of its kind', () => {
    const checks = dynamodbChecks(
      'TransactWriteItems',
      {
        TransactItems: [
          { Put: { TableName: 'A' } },
          { Update: { TableName: 'B' } },
          { Delete: { TableName: 'C' } },
          { ConditionCheck: { TableName: 'D' } },
        ],
      },
      scope,
    );

    expect(checks).toEqual([
      { action: 'dynamodb:PutItem', resource: table('A') },
      { action: 'dynamodb:UpdateItem', resource: table('B') },
      { action: 'dynamodb:DeleteItem', resource: table('C') },
      { action: 'dynamodb:ConditionCheckItem', resource: table('D') },
    ]);
  });

  it('checks a batch against every table it names', () => {
    const checks = dynamodbChecks('BatchWriteItem', { RequestItems: { A: [], B: [] } }, scope);

    expect(checks).toEqual([
      { action: 'dynamodb:BatchWriteItem', resource: table('A') },
      { action: 'dynamodb:BatchWriteItem', resource: table('B') },
    ]);
  });
});

describe('sqsChecks', () => {
  it('checks a batch send as sqs:SendMessage on the queue of its URL', () => {
    const checks = sqsChecks(
      'SendMessageBatch',
      { QueueUrl: 'http://127.0.0.1:4566/000000000000/jobs' },
      scope,
    );

    expect(checks).toEqual([
      { action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:000000000000:jobs' },
    ]);
  });

  it('reads the queue ARN from an emulator-style URL', () => {
    expect(queueArnFromUrl('http://sqs.us-east-1.localhost:9324/000000000000/q.fifo', scope)).toBe(
      'arn:aws:sqs:us-east-1:000000000000:q.fifo',
    );
  });
});
