import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.ts';
import type { ResolvedResource } from '../model.ts';
import {
  assertJavaAvailable,
  type DynamoDbLocal,
  JAVA_MISSING_MESSAGE,
  localDynamoDbClient,
  startDynamoDbLocal,
} from './dynamodb-local.ts';
import { createTableInput, ensureTables } from './tables.ts';

function table(
  logicalId: string,
  properties: Record<string, unknown>,
  type = 'AWS::DynamoDB::Table',
): ResolvedResource {
  return {
    logicalId,
    type,
    properties,
    physicalName: String(properties.TableName ?? logicalId),
    ref: String(properties.TableName ?? logicalId),
    attributes: {},
    dependsOn: [],
  };
}

const keyed = {
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
    { AttributeName: 'gsi1pk', AttributeType: 'S' },
    { AttributeName: 'gsi1sk', AttributeType: 'S' },
  ],
};

const ordersTable = table('Orders', {
  TableName: 'orders',
  ...keyed,
  BillingMode: 'PAY_PER_REQUEST',
  GlobalSecondaryIndexes: [
    {
      IndexName: 'byAccount',
      KeySchema: [
        { AttributeName: 'gsi1pk', KeyType: 'HASH' },
        { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
  StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
  TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
  PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
});

describe('createTableInput', () => {
  it('gives a provisioned table without throughput the minimum capacity, on the table and its indexes', () => {
    const resource = table('T', {
      ...keyed,
      LocalSecondaryIndexes: [
        {
          IndexName: 'bySk',
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    });

    const input = createTableInput(resource);

    expect(input.BillingMode).toBe('PROVISIONED');
    expect(input.ProvisionedThroughput).toEqual({ ReadCapacityUnits: 5, WriteCapacityUnits: 5 });
    expect(input.LocalSecondaryIndexes?.[0]?.IndexName).toBe('bySk');
  });

  it('makes a global table on demand by default', () => {
    expect(createTableInput(table('G', keyed, 'AWS::DynamoDB::GlobalTable')).BillingMode).toBe(
      'PAY_PER_REQUEST',
    );
  });
});

describe('assertJavaAvailable', () => {
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });

  it('explains how to install Java when java is not on the PATH', () => {
    process.env.PATH = '';

    expect(() => assertJavaAvailable()).toThrow(JAVA_MISSING_MESSAGE);
  });
});

/** An address of this machine that is not 127.0.0.1: a network interface's, or else another loopback one. */
function otherLocalAddress(): string {
  const external = Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry?.family === 'IPv4' && !entry.internal);
  return external?.address ?? '127.0.0.2';
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('DynamoDB Local with the template tables', () => {
  let stateDir: string;
  let dynamo: DynamoDbLocal;
  let client: DynamoDBClient;

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'ddb-state-'));
    dynamo = await startDynamoDbLocal({ port: 0, stateDir });
    client = localDynamoDbClient(dynamo.endpoint);
  });

  afterAll(async () => {
    client.destroy();
    await dynamo.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('creates a table with its index, stream and time to live', async () => {
    const result = await ensureTables(client, [ordersTable], silentLogger);

    const described = await client.send(new DescribeTableCommand({ TableName: 'orders' }));
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: 'orders' }));
    expect(result.created).toEqual(['orders']);
    expect(described.Table?.GlobalSecondaryIndexes?.[0]?.IndexName).toBe('byAccount');
    expect(described.Table?.StreamSpecification?.StreamViewType).toBe('NEW_AND_OLD_IMAGES');
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe('expiresAt');
  });

  it('keeps an existing table and its items', async () => {
    await ensureTables(client, [ordersTable], silentLogger);
    await client.send(new PutItemCommand({ TableName: 'orders', Item: { pk: { S: 'a' }, sk: { S: 'b' } } }));

    const result = await ensureTables(client, [ordersTable], silentLogger);

    const item = await client.send(
      new GetItemCommand({ TableName: 'orders', Key: { pk: { S: 'a' }, sk: { S: 'b' } } }),
    );
    expect(result.kept).toEqual(['orders']);
    expect(item.Item).toBeDefined();
  });

  it('listens on 127.0.0.1 only', async () => {
    const address = otherLocalAddress();
    // A server on every interface is reachable at that address: the check below can tell.
    const everywhere: Server = createServer();
    await new Promise<void>((resolve) => everywhere.listen(0, resolve));
    const control = await accepts(address, (everywhere.address() as AddressInfo).port);
    await new Promise((resolve) => everywhere.close(resolve));

    expect(control).toBe(true);
    expect(await accepts('127.0.0.1', dynamo.port)).toBe(true);
    expect(await accepts(address, dynamo.port)).toBe(false);
  });

  it('lets no web page through CORS', async () => {
    const origin = 'https://attacker.example';
    const preflight = await fetch(dynamo.endpoint, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-amz-target',
      },
    });
    const answer = await fetch(dynamo.endpoint, {
      method: 'POST',
      headers: {
        origin,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: '{}',
    });

    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('keeps the data across a restart on the same state folder', async () => {
    await ensureTables(client, [ordersTable], silentLogger);
    await client.send(
      new PutItemCommand({ TableName: 'orders', Item: { pk: { S: 'kept' }, sk: { S: '1' } } }),
    );
    client.destroy();
    await dynamo.stop();

    dynamo = await startDynamoDbLocal({ port: 0, stateDir });
    client = localDynamoDbClient(dynamo.endpoint);

    const item = await client.send(
      new GetItemCommand({ TableName: 'orders', Key: { pk: { S: 'kept' }, sk: { S: '1' } } }),
    );
    expect(item.Item?.pk?.S).toBe('kept');
  });
});
