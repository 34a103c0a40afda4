// The meter against the official DynamoDB Local, through the edge: the units are DynamoDB Local's own
// consumed capacity, which it reports by DynamoDB's rules.
import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createIdentityRegistry } from '../auth/identities.ts';
import { recordingLogger, stackOf } from '../auth/test-support.ts';
import { LOCAL_CREDENTIALS } from '../dynamodb/dynamodb-local.ts';
import { createEdge, type Edge } from '../edge/edge.ts';
import { edgeMeterOf } from './index.ts';
import { createMeter } from './meter.ts';

/** An item of exactly `bytes` bytes. */
function itemOf(key: string, bytes: number) {
  return { pk: { S: key }, data: { S: 'x'.repeat(bytes - 2 - key.length - 4) } };
}

describe('the meter against DynamoDB Local', () => {
  const meter = createMeter();
  const table = `meter-${randomUUID().slice(0, 8)}`;
  const direct = new DynamoDBClient({
    endpoint: inject('dynamodbEndpoint'),
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
  });
  let edge: Edge;
  let client: DynamoDBClient;

  beforeAll(async () => {
    await direct.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    edge = await createEdge({
      port: 0,
      dynamodbUrl: inject('dynamodbEndpoint'),
      sqsUrl: 'http://127.0.0.1:9',
      events: { handle: async () => ({ status: 200, body: {} }) },
      lambda: { invoke: async () => ({ ok: true, payload: null }) },
      identities: createIdentityRegistry(stackOf([]), { secretSeed: 'test' }),
      log: recordingLogger(),
      meter: edgeMeterOf(meter),
    });
    client = new DynamoDBClient({
      endpoint: edge.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIADEVELOPER', secretAccessKey: 'developer-secret' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client.destroy();
    await edge.close();
    await direct.send(new DeleteTableCommand({ TableName: table }));
    direct.destroy();
  });
  beforeEach(() => meter.reset());

  it('meters one PutItem of 1.5 KB as 2 write units, as DynamoDB Local reports them', async () => {
    // Act
    const output = await client.send(new PutItemCommand({ TableName: table, Item: itemOf('a', 1536) }));
    // Assess
    expect(output.ConsumedCapacity).toBeUndefined();
    expect(meter.snapshot().dynamodb[table]).toEqual({
      calls: 1,
      readUnits: 0,
      writeUnits: 2,
      estimatedCalls: 0,
    });
  });

  it('gives the consumed capacity to a caller who asks for it', async () => {
    // Act
    const output = await client.send(
      new PutItemCommand({ TableName: table, Item: itemOf('b', 1536), ReturnConsumedCapacity: 'TOTAL' }),
    );
    // Assess
    expect(output.ConsumedCapacity).toEqual({ TableName: table, CapacityUnits: 2 });
    expect(meter.snapshot().dynamodb[table]).toMatchObject({ writeUnits: 2 });
  });

  it('meters a failed conditional write at the existing item, and answers without the item', async () => {
    // Prepare
    await client.send(new PutItemCommand({ TableName: table, Item: itemOf('c', 1536) }));
    meter.reset();
    // Act
    const failure = await client
      .send(
        new PutItemCommand({
          TableName: table,
          Item: { pk: { S: 'c' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      )
      .catch((error: unknown) => error);
    // Assess
    expect(failure).toBeInstanceOf(ConditionalCheckFailedException);
    expect((failure as ConditionalCheckFailedException).Item).toBeUndefined();
    expect(meter.snapshot().dynamodb[table]).toEqual({
      calls: 1,
      readUnits: 0,
      writeUnits: 2,
      estimatedCalls: 1,
    });
  });

  it('meters an eventually consistent read of 1.5 KB as half a unit, a missing item too', async () => {
    // Prepare
    await client.send(new PutItemCommand({ TableName: table, Item: itemOf('d', 1536) }));
    meter.reset();
    // Act
    await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'd' } } }));
    await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'nothing' } } }));
    // Assess
    expect(meter.snapshot().dynamodb[table]).toMatchObject({ calls: 2, readUnits: 1 });
  });

  it('meters a transactional write at double', async () => {
    // Act
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [{ Put: { TableName: table, Item: itemOf('e', 1536) } }],
      }),
    );
    // Assess
    expect(meter.snapshot().dynamodb[table]).toMatchObject({ writeUnits: 4, estimatedCalls: 0 });
  });
});
