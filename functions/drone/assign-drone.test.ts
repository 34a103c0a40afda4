import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { apiEvent, lambdaContext } from '../../test/support/lambda.ts';
import { handler } from './assign-drone.ts';
import { DISPATCH_INDEX } from './core/keys.ts';
import {
  assignment,
  assignmentItem,
  assignmentRequest,
  drone,
  droneItem,
  near,
  profileItemOf,
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
  it('books the nearest capable drone found by cell, without a Scan, and answers its window', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(QueryCommand, { IndexName: DISPATCH_INDEX }).resolves({
      Items: [profileItemOf(drone('drone-far', { position: near(8) })), profileItemOf(drone('drone-near'))],
    });
    ddb.on(QueryCommand, { ConsistentRead: true }).resolves({ Items: [] });
    ddb.on(TransactWriteCommand).resolves({});
    const response = await assign('d-1', assignmentRequest());
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({
      deliveryId: 'd-1',
      droneId: 'drone-near',
      pickupEta: '2030-01-01T10:00:00.000Z',
      deliveryEta: expect.any(String),
      departAt: expect.any(String),
      freeAt: expect.any(String),
    });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(ddb.commandCalls(ScanCommand)).toHaveLength(0);
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

  it('refuses with 422 no-drone-available, saying when a drone is free and until when waiting helps', async () => {
    ddb.on(GetCommand).resolves({});
    ddb
      .on(QueryCommand, { IndexName: DISPATCH_INDEX })
      .resolves({ Items: [profileItemOf(drone('drone-busy'))] });
    ddb.on(QueryCommand, { ConsistentRead: true }).resolves({
      Items: [
        {
          pk: 'DRONE#drone-busy',
          sk: 'BOOKING#2030-01-01T09:00:00.000Z#d-0',
          droneId: 'drone-busy',
          deliveryId: 'd-0',
          departAt: '2030-01-01T09:00:00.000Z',
          pickupEta: '2030-01-01T09:05:00.000Z',
          deliveryEta: '2030-01-01T09:30:00.000Z',
          freeAt: '2030-01-01T13:00:00.000Z',
        },
      ],
    });
    const response = await assign('d-1', assignmentRequest());
    expect(response.statusCode).toBe(422);
    const problem = JSON.parse(response.body ?? '');
    expect(problem).toMatchObject({
      type: expect.stringMatching(/no-drone-available$/),
      status: 422,
      retryAt: '2030-01-01T13:00:00.000Z',
      latestDeparture: expect.stringMatching(/^2030-01-01T11:5\d:/),
    });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('refuses with 422 and nothing to wait for when no drone near can carry the package', async () => {
    ddb.on(GetCommand).resolves({});
    ddb
      .on(QueryCommand, { IndexName: DISPATCH_INDEX })
      .resolves({ Items: [profileItemOf(drone('drone-small'))] });
    const response = await assign('d-1', assignmentRequest({ weightKg: 9 }));
    expect(response.statusCode).toBe(422);
    const problem = JSON.parse(response.body ?? '');
    expect(problem).not.toHaveProperty('retryAt');
    expect(problem).not.toHaveProperty('latestDeparture');
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
