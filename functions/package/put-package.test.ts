import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { apiEvent, lambdaContext } from '../../test/support/lambda.ts';
import { handler } from './put-package.ts';

const ddb = mockClient(DynamoDBDocumentClient);

afterEach(() => {
  ddb.reset();
});

function putPackage(deliveryId: string, body: unknown) {
  return handler(
    apiEvent({ method: 'PUT', path: `/packages/${deliveryId}`, pathParameters: { deliveryId }, body }),
    lambdaContext(),
  );
}

const body = { accountId: 'acct-demo', size: 'Small', weightKg: 1.2, tag: 'books' };

describe('PUT /packages/{deliveryId}', () => {
  it('upserts the package and answers it as Active', async () => {
    ddb.on(UpdateCommand).resolves({});
    const response = await putPackage('d-1', body);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({
      packageId: 'pkg-d-1',
      deliveryId: 'd-1',
      accountId: 'acct-demo',
      size: 'Small',
      weightKg: 1.2,
      tag: 'books',
      status: 'Active',
    });
    expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input.Key).toEqual({
      pk: 'PACKAGE#d-1',
      sk: 'PACKAGE',
    });
  });

  it('refuses a package over its size limit with 422 package-rejected and writes nothing', async () => {
    const response = await putPackage('d-1', { ...body, weightKg: 2.5 });
    expect(response.statusCode).toBe(422);
    expect(JSON.parse(response.body ?? '').type).toMatch(/package-rejected$/);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses with 409 when the delivery has another account’s package', async () => {
    ddb
      .on(UpdateCommand)
      .rejects(Object.assign(new Error('no'), { name: 'ConditionalCheckFailedException' }));
    const response = await putPackage('d-1', body);
    expect(response.statusCode).toBe(409);
  });

  it('refuses an unknown size with 400 and writes nothing', async () => {
    const response = await putPackage('d-1', { ...body, size: 'Huge' });
    expect(response.statusCode).toBe(400);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses a missing account with 400 and writes nothing', async () => {
    const response = await putPackage('d-1', { size: 'Small', weightKg: 1 });
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '').errors).toEqual([expect.objectContaining({ path: '/accountId' })]);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses a malformed delivery id with 400 and writes nothing', async () => {
    const response = await putPackage('d 1', body);
    expect(response.statusCode).toBe(400);
    expect(ddb.calls()).toHaveLength(0);
  });
});
