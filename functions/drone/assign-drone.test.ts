import { DynamoDBDocumentClient, GetCommand, ScanCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { apiEvent, lambdaContext } from '../../test/support/lambda.ts';
import { handler } from './assign-drone.ts';
import {
  assignment,
  assignmentItem,
  assignmentRequest,
  drone,
  droneItem,
  near,
} from './test-support/fixtures.ts';

const ddb = mockClient(DynamoDBDocumentClient);

afterEach(() => {
  ddb.reset();
});

function assign(deliveryId: string, body: unknown, headers?: Record<string, string>) {
  return handler(
    apiEvent({
      method: 'PUT',
      path: `/drones/assignments/${deliveryId}`,
      pathParameters: { deliveryId },
      body,
      ...(headers ? { headers } : {}),
    }),
    lambdaContext(),
  );
}

describe('PUT /drones/assignments/{deliveryId}', () => {
  it('assigns the nearest capable drone and answers its ETAs', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(ScanCommand).resolves({
      Items: [droneItem(drone('drone-far', { position: near(8) })), droneItem(drone('drone-near'))],
    });
    ddb.on(TransactWriteCommand).resolves({});
    const response = await assign('d-1', assignmentRequest());
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({
      deliveryId: 'd-1',
      droneId: 'drone-near',
      pickupEta: expect.any(String),
      deliveryEta: expect.any(String),
    });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('answers the existing assignment to a repeated request without writing', async () => {
    const existing = assignment('d-1', 'drone-7');
    ddb.on(GetCommand).resolves({ Item: assignmentItem(existing) });
    const response = await assign('d-1', existing.request);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toMatchObject({
      droneId: 'drone-7',
      pickupEta: existing.pickupEta,
    });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('refuses with 422 no-drone-available when no drone has the battery', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(ScanCommand).resolves({ Items: [droneItem(drone('drone-low', { batteryPercent: 15 }))] });
    const response = await assign('d-1', assignmentRequest());
    expect(response.statusCode).toBe(422);
    expect(JSON.parse(response.body ?? '').type).toMatch(/no-drone-available$/);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('refuses with 409 drone-in-flight to change a delivery whose package is aboard', async () => {
    const existing = assignment('d-1', 'drone-7');
    ddb
      .on(GetCommand, { Key: { pk: 'ASSIGNMENT#d-1', sk: 'ASSIGNMENT' } })
      .resolves({ Item: assignmentItem(existing) });
    ddb
      .on(GetCommand, { Key: { pk: 'DRONE#drone-7', sk: 'DRONE' } })
      .resolves({ Item: droneItem(drone('drone-7', { state: 'PickedUp', deliveryId: 'd-1' })) });
    const response = await assign('d-1', assignmentRequest({ dropoff: near(9) }));
    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body ?? '').type).toMatch(/drone-in-flight$/);
  });

  it('refuses a malformed delivery id with 400 and writes nothing', async () => {
    const response = await assign('bad id!', assignmentRequest());
    expect(response.statusCode).toBe(400);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses a deadline before the pickup time with 400 and writes nothing', async () => {
    const response = await assign('d-1', assignmentRequest({ deadline: '2029-01-01T00:00:00Z' }));
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '').errors).toEqual([expect.objectContaining({ path: '/deadline' })]);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses a non-positive weight with 400 and writes nothing', async () => {
    const response = await assign('d-1', assignmentRequest({ weightKg: 0 }));
    expect(response.statusCode).toBe(400);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses a body that is not JSON with 415', async () => {
    const response = await assign('d-1', assignmentRequest(), { 'content-type': 'text/plain' });
    expect(response.statusCode).toBe(415);
    expect(ddb.calls()).toHaveLength(0);
  });
});
