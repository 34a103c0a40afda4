import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { apiEvent, lambdaContext } from '../../test/support/lambda.ts';
import { handler } from './get-request.ts';
import { scheduleRequest } from './test-support/harness.ts';

const dynamo = mockClient(DynamoDBDocumentClient);

afterEach(() => {
  dynamo.reset();
});

function get(deliveryId: string) {
  return handler(
    apiEvent({ method: 'GET', path: `/requests/${deliveryId}`, pathParameters: { deliveryId } }),
    lambdaContext(),
  );
}

describe('GET /requests/{deliveryId} (internal)', () => {
  it('answers the stored request with its owner, without the scheduler’s bookkeeping', async () => {
    dynamo.on(GetCommand, { Key: { pk: 'REQUEST#d1', sk: 'REQUEST' } }).resolves({
      Item: {
        pk: 'REQUEST#d1',
        sk: 'REQUEST',
        deliveryId: 'd1',
        accountId: 'acct-1',
        requestId: 'r1',
        request: scheduleRequest(),
        createdAt: '2026-11-30T00:00:00.000Z',
        updatedAt: '2026-11-30T00:00:00.000Z',
        sweepShard: 'UNSTARTED#1',
        sweepAt: '2026-11-30T00:01:00.000Z',
      },
    });

    const response = await get('d1');

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '{}')).toEqual({
      deliveryId: 'd1',
      accountId: 'acct-1',
      ...scheduleRequest(),
      createdAt: '2026-11-30T00:00:00.000Z',
      updatedAt: '2026-11-30T00:00:00.000Z',
    });
  });

  it('answers 404 when no request is stored', async () => {
    dynamo.on(GetCommand).resolves({});

    const response = await get('nope');

    expect(response.statusCode).toBe(404);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
  });

  it('answers 400 for a bad delivery id, reading nothing', async () => {
    const response = await get('../etc');

    expect(response.statusCode).toBe(400);
    expect(dynamo.calls()).toHaveLength(0);
  });
});
