import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { apiEvent, lambdaContext } from '../../test/support/lambda.ts';
import { handler } from './cancel-package.ts';

const ddb = mockClient(DynamoDBDocumentClient);

afterEach(() => {
  ddb.reset();
});

function cancel(deliveryId: string) {
  return handler(
    apiEvent({ method: 'DELETE', path: `/packages/${deliveryId}`, pathParameters: { deliveryId } }),
    lambdaContext(),
  );
}

describe('DELETE /packages/{deliveryId}', () => {
  it('marks the package Cancelled and answers it', async () => {
    ddb.on(UpdateCommand).resolves({
      Attributes: {
        pk: 'PACKAGE#d-1',
        sk: 'PACKAGE',
        packageId: 'pkg-d-1',
        deliveryId: 'd-1',
        accountId: 'acct-demo',
        size: 'Medium',
        weightKg: 3,
        status: 'Cancelled',
        updatedAt: '2030-01-01T00:00:00.000Z',
      },
    });
    const response = await cancel('d-1');
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({
      packageId: 'pkg-d-1',
      deliveryId: 'd-1',
      accountId: 'acct-demo',
      size: 'Medium',
      weightKg: 3,
      status: 'Cancelled',
    });
  });

  it('answers Cancelled for a delivery without a package', async () => {
    ddb
      .on(UpdateCommand)
      .rejects(Object.assign(new Error('absent'), { name: 'ConditionalCheckFailedException' }));
    const response = await cancel('d-2');
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({ deliveryId: 'd-2', status: 'Cancelled' });
  });

  it('answers 500 without detail when the table fails', async () => {
    ddb.on(UpdateCommand).rejects(new Error('table on fire'));
    const response = await cancel('d-3');
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toMatch(/fire/);
  });

  it('refuses a malformed delivery id with 400 and writes nothing', async () => {
    const response = await cancel('d_1');
    expect(response.statusCode).toBe(400);
    expect(ddb.calls()).toHaveLength(0);
  });
});
