import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { apiEvent, lambdaContext } from '../../test/support/lambda.ts';
import { handler } from './release-drone.ts';
import { assignment, assignmentItem, drone, droneItem } from './test-support/fixtures.ts';

const ddb = mockClient(DynamoDBDocumentClient);

afterEach(() => {
  ddb.reset();
});

function release(deliveryId: string) {
  return handler(
    apiEvent({ method: 'DELETE', path: `/drones/assignments/${deliveryId}`, pathParameters: { deliveryId } }),
    lambdaContext(),
  );
}

/** The delivery booked on drone-7, which is `state` (holding the delivery unless Idle). */
function stored(state: 'Idle' | 'HeadedToPickup' | 'HeadedToDropoff') {
  ddb
    .on(GetCommand, { Key: { pk: 'ASSIGNMENT#d-1', sk: 'ASSIGNMENT' } })
    .resolves({ Item: assignmentItem(assignment('d-1', 'drone-7')) });
  ddb
    .on(GetCommand, { Key: { pk: 'DRONE#drone-7', sk: 'DRONE' } })
    .resolves({ Item: droneItem(drone('drone-7', state === 'Idle' ? {} : { state, deliveryId: 'd-1' })) });
}

const transactItems = () => ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];

describe('DELETE /drones/assignments/{deliveryId}', () => {
  it('deletes the assignment and its booking, not flown yet, in one transaction', async () => {
    stored('Idle');
    ddb.on(TransactWriteCommand).resolves({});
    const response = await release('d-1');
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({ deliveryId: 'd-1', released: true });
    expect(transactItems().map((item) => Object.keys(item)[0])).toEqual(['Delete', 'Delete']);
    expect(transactItems()[1]?.Delete).toMatchObject({
      Key: { pk: 'DRONE#drone-7', sk: 'BOOKING#2030-01-01T09:58:00.000Z#d-1' },
      ConditionExpression: 'attribute_not_exists(tookOffAt)',
    });
  });

  it('turns back a drone on its way to the pickup in the same transaction', async () => {
    stored('HeadedToPickup');
    ddb.on(TransactWriteCommand).resolves({});
    const response = await release('d-1');
    expect(response.statusCode).toBe(200);
    expect(transactItems().map((item) => Object.keys(item)[0])).toEqual([
      'Delete',
      'Delete',
      'Update',
      'Update',
    ]);
    expect(transactItems()[2]?.Update).toMatchObject({
      Key: { pk: 'DRONE#drone-7', sk: 'DRONE' },
      ExpressionAttributeValues: { ':next': 'Returning', ':deliveryId': 'd-1' },
    });
  });

  it('answers released false for an unknown delivery', async () => {
    ddb.on(GetCommand).resolves({});
    const response = await release('d-unknown');
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({ deliveryId: 'd-unknown', released: false });
  });

  it('refuses with 409 drone-in-flight once the package is aboard', async () => {
    stored('HeadedToDropoff');
    const response = await release('d-1');
    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body ?? '').type).toMatch(/drone-in-flight$/);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('answers 503 when the drone keeps changing under the release', async () => {
    stored('HeadedToPickup');
    ddb
      .on(TransactWriteCommand)
      .rejects(Object.assign(new Error('cancelled'), { name: 'TransactionCanceledException' }));
    const response = await release('d-1');
    expect(response.statusCode).toBe(503);
  });

  it('refuses a malformed delivery id with 400 and touches nothing', async () => {
    const response = await release('x'.repeat(65));
    expect(response.statusCode).toBe(400);
    expect(ddb.calls()).toHaveLength(0);
  });
});
