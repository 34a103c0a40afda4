import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTable } from '../../../test/support/dynamodb.ts';
import { demoFleet, seedFleet } from './fleet.ts';
import { createDroneStore } from './store.ts';

let table: Awaited<ReturnType<typeof createTestTable>>;

beforeAll(async () => {
  table = await createTestTable('drone-fleet');
});

afterAll(async () => {
  await table.drop();
});

describe('seedFleet', () => {
  it('creates every demo drone on the first run', async () => {
    const store = createDroneStore(table.documentClient, table.tableName);
    const result = await seedFleet(store);
    expect(result).toEqual({ created: demoFleet().length, existing: 0 });
    expect(await store.listDrones()).toHaveLength(demoFleet().length);
  });

  it('leaves drones already there, even in flight, untouched on a second run', async () => {
    const store = createDroneStore(table.documentClient, table.tableName);
    await seedFleet(store);
    await table.documentClient.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: { pk: 'DRONE#drone-001', sk: 'DRONE' },
        UpdateExpression: 'SET #state = :state, deliveryId = :deliveryId',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':state': 'HeadedToDropoff', ':deliveryId': 'd-busy' },
      }),
    );
    const again = await seedFleet(store);
    expect(again).toEqual({ created: 0, existing: demoFleet().length });
    expect(await store.getDrone('drone-001')).toMatchObject({
      state: 'HeadedToDropoff',
      deliveryId: 'd-busy',
    });
  });
});
