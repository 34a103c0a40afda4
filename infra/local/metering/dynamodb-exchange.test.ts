import { describe, expect, it } from 'vitest';
import { meterDynamoDbCall, reportedUnits } from './dynamodb-exchange.ts';
import { createMeter } from './meter.ts';

/** An item of exactly `bytes` bytes. */
function itemOf(bytes: number): Record<string, unknown> {
  return { pk: { S: 'a' }, data: { S: 'x'.repeat(bytes - 3 - 4) } };
}

const body = (value: unknown) => Buffer.from(JSON.stringify(value));
const parse = (buffer: Buffer) => JSON.parse(buffer.toString('utf8')) as Record<string, unknown>;
const CONDITION_FAILED = 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException';

describe('meterDynamoDbCall', () => {
  it('asks DynamoDB Local for the consumed capacity and hides it from a caller who did not ask', () => {
    // Prepare
    const meter = createMeter();
    const exchange = meterDynamoDbCall(meter, 'PutItem', body({ TableName: 'Orders', Item: itemOf(1536) }));
    // Act
    const forwarded = parse(exchange?.body ?? Buffer.alloc(0));
    const answer = exchange?.answer('{"ConsumedCapacity":{"TableName":"Orders","CapacityUnits":2.0}}', 200);
    // Assess
    expect(forwarded.ReturnConsumedCapacity).toBe('TOTAL');
    expect(answer).toBe('{}');
    expect(meter.snapshot().dynamodb.Orders).toEqual({
      calls: 1,
      readUnits: 0,
      writeUnits: 2,
      estimatedCalls: 0,
    });
  });

  it('leaves the request and the answer as they are for a caller who asked', () => {
    // Prepare
    const meter = createMeter();
    const request = body({ TableName: 'Orders', Key: { pk: { S: 'a' } }, ReturnConsumedCapacity: 'TOTAL' });
    const exchange = meterDynamoDbCall(meter, 'GetItem', request);
    const text = '{"ConsumedCapacity":{"TableName":"Orders","CapacityUnits":0.5}}';
    // Act
    const answer = exchange?.answer(text, 200);
    // Assess
    expect(exchange?.body).toBe(request);
    expect(answer).toBe(text);
    expect(meter.snapshot().dynamodb.Orders).toMatchObject({ readUnits: 0.5, writeUnits: 0 });
  });

  it('computes 2 write units for a PutItem of 1.5 KB whose answer carries no capacity', () => {
    // Prepare
    const meter = createMeter();
    const exchange = meterDynamoDbCall(meter, 'PutItem', body({ TableName: 'Orders', Item: itemOf(1536) }));
    // Act
    const answer = exchange?.answer('{}', 200);
    // Assess
    expect(answer).toBe('{}');
    expect(meter.snapshot().dynamodb.Orders).toEqual({
      calls: 1,
      readUnits: 0,
      writeUnits: 2,
      estimatedCalls: 1,
    });
  });

  it('bills a failed conditional write at the size of the item that stood in its way', () => {
    // Prepare
    const meter = createMeter();
    const request = {
      TableName: 'Orders',
      Item: { pk: { S: 'a' } },
      ConditionExpression: 'attribute_not_exists(pk)',
    };
    const exchange = meterDynamoDbCall(meter, 'PutItem', body(request));
    const failure = {
      __type: CONDITION_FAILED,
      Message: 'The conditional request failed',
      Item: itemOf(1536),
    };
    // Act
    const forwarded = parse(exchange?.body ?? Buffer.alloc(0));
    const answer = exchange?.answer(JSON.stringify(failure), 400);
    // Assess
    expect(forwarded.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
    expect(JSON.parse(answer ?? '')).toEqual({
      __type: CONDITION_FAILED,
      Message: 'The conditional request failed',
    });
    expect(meter.snapshot().dynamodb.Orders).toMatchObject({ writeUnits: 2, estimatedCalls: 1 });
  });

  it('bills one unit for a failed conditional write on no item, and keeps the item a caller asked for', () => {
    // Prepare
    const meter = createMeter();
    const request = {
      TableName: 'Orders',
      Key: { pk: { S: 'a' } },
      ConditionExpression: 'attribute_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    };
    const exchange = meterDynamoDbCall(meter, 'DeleteItem', body(request));
    const text = JSON.stringify({ __type: CONDITION_FAILED, Message: 'The conditional request failed' });
    // Act
    const answer = exchange?.answer(text, 400);
    // Assess
    expect(answer).toBe(text);
    expect(meter.snapshot().dynamodb.Orders).toMatchObject({ writeUnits: 1 });
  });

  it('meters nothing for other errors, control-plane calls and bodies that are not JSON', () => {
    // Prepare
    const meter = createMeter();
    const exchange = meterDynamoDbCall(meter, 'PutItem', body({ TableName: 'Gone', Item: itemOf(10) }));
    const notFound = '{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"}';
    // Act
    const answer = exchange?.answer(notFound, 400);
    const garbled = exchange?.answer('<html>', 502);
    const control = meterDynamoDbCall(meter, 'CreateTable', body({ TableName: 'T' }));
    const notJson = meterDynamoDbCall(meter, 'PutItem', Buffer.from('{'));
    // Assess
    expect([answer, garbled, control, notJson]).toEqual([notFound, '<html>', undefined, undefined]);
    expect(meter.snapshot().dynamodb).toEqual({});
  });
});

describe('reads that find nothing', () => {
  it('are billed at the minimum DynamoDB charges, which DynamoDB Local reports as 0', () => {
    // Prepare
    const meter = createMeter();
    const query = { TableName: 'Q', KeyConditionExpression: 'pk = :p', ConsistentRead: true };
    const batch = { RequestItems: { B: { Keys: [{ pk: { S: 'a' } }, { pk: { S: 'b' } }] } } };
    // Act
    meterDynamoDbCall(meter, 'Query', body(query))?.answer(
      '{"Items":[],"ConsumedCapacity":{"TableName":"Q","CapacityUnits":0}}',
      200,
    );
    meterDynamoDbCall(meter, 'Scan', body({ TableName: 'S' }))?.answer('{"Items":[]}', 200);
    meterDynamoDbCall(meter, 'BatchGetItem', body(batch))?.answer(
      '{"Responses":{"B":[]},"ConsumedCapacity":[{"TableName":"B","CapacityUnits":0}]}',
      200,
    );
    // Assess
    const { dynamodb } = meter.snapshot();
    expect([dynamodb.Q?.readUnits, dynamodb.S?.readUnits, dynamodb.B?.readUnits]).toEqual([1, 0.5, 1]);
  });
});

describe('reportedUnits', () => {
  it('reads the list of a transaction and the split units of an INDEXES answer', () => {
    // Act
    const transaction = reportedUnits('TransactWriteItems', [
      { TableName: 'A', CapacityUnits: 6 },
      { TableName: 'B', CapacityUnits: 2 },
    ]);
    const split = reportedUnits('TransactWriteItems', {
      TableName: 'A',
      CapacityUnits: 3,
      ReadCapacityUnits: 1,
      WriteCapacityUnits: 2,
    });
    // Assess
    expect(Object.fromEntries(transaction)).toEqual({
      A: { readUnits: 0, writeUnits: 6 },
      B: { readUnits: 0, writeUnits: 2 },
    });
    expect(split.get('A')).toEqual({ readUnits: 1, writeUnits: 2 });
  });
});
