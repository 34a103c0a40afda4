import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { apiEvent, lambdaContext } from '../../test/support/lambda.ts';
import { handler } from './get-package.ts';

const ddb = mockClient(DynamoDBDocumentClient);

afterEach(() => {
  ddb.reset();
});

function get(deliveryId: string) {
  return handler(
    apiEvent({ method: 'GET', path: `/packages/${deliveryId}`, pathParameters: { deliveryId } }),
    lambdaContext(),
  );
}

describe('GET /packages/{deliveryId}', () => {
  it('answers the package', async () => {
    ddb.on(GetCommand).resolves({
      Item: {
        pk: 'PACKAGE#d-1',
        sk: 'PACKAGE',
        packageId: 'pkg-d-1',
        deliveryId: 'd-1',
        accountId: 'acct-demo',
        size: 'Large',
        weightKg: 9,
        status: 'Active',
      },
    });
    const response = await get('d-1');
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toMatchObject({
      packageId: 'pkg-d-1',
      size: 'Large',
      status: 'Active',
    });
  });

  it('answers 404 for a delivery without a package', async () => {
    ddb.on(GetCommand).resolves({});
    const response = await get('d-2');
    expect(response.statusCode).toBe(404);
  });

  it('refuses a malformed delivery id with 400 without reading', async () => {
    const response = await get('../etc');
    expect(response.statusCode).toBe(400);
    expect(ddb.calls()).toHaveLength(0);
  });
});
