import { DescribeTableCommand, DynamoDBClient, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { createTestTable } from '../../../test/support/dynamodb.ts';
import { DISPATCH_INDEX, DISPATCH_PROJECTED_ATTRIBUTES } from '../core/keys.ts';

// A DynamoDB Local table with the Drone table's layout: the project's shared layout plus the
// dispatch index of infra/constructs/stateful.ts, added the way a deployment adds it.

/** A fresh drone table in DynamoDB Local for one test file, its dispatch index active. */
export async function createDroneTestTable(prefix: string) {
  const table = await createTestTable(prefix);
  const client = new DynamoDBClient({
    endpoint: inject('dynamodbEndpoint'),
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await client.send(
      new UpdateTableCommand({
        TableName: table.tableName,
        AttributeDefinitions: [
          { AttributeName: 'dispatchPk', AttributeType: 'S' },
          { AttributeName: 'dispatchSk', AttributeType: 'S' },
        ],
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: DISPATCH_INDEX,
              KeySchema: [
                { AttributeName: 'dispatchPk', KeyType: 'HASH' },
                { AttributeName: 'dispatchSk', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: DISPATCH_PROJECTED_ATTRIBUTES },
            },
          },
        ],
      }),
    );
    // DynamoDB Local builds the index at once on an empty table; wait for it to say so.
    for (;;) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: table.tableName }));
      const index = Table?.GlobalSecondaryIndexes?.find((gsi) => gsi.IndexName === DISPATCH_INDEX);
      if (index?.IndexStatus === 'ACTIVE') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    client.destroy();
  }
  return table;
}

/** Deletes every item of a test table (drones, profiles, bookings, assignments), for a fresh fleet. */
export async function clearTable(table: { tableName: string; documentClient: DynamoDBDocumentClient }) {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await table.documentClient.send(
      new ScanCommand({
        TableName: table.tableName,
        ProjectionExpression: 'pk, sk',
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      await table.documentClient.send(
        new DeleteCommand({ TableName: table.tableName, Key: { pk: item.pk, sk: item.sk } }),
      );
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}
