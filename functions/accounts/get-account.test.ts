import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { apiEvent, lambdaContext } from '../../test/support/lambda.ts';
import { handler } from './get-account.ts';

const ddb = mockClient(DynamoDBDocumentClient);

afterEach(() => {
  ddb.reset();
});

function getAccount(accountId: string) {
  return handler(
    apiEvent({ method: 'GET', path: `/accounts/${accountId}`, pathParameters: { accountId } }),
    lambdaContext(),
  );
}

describe('GET /accounts/{accountId}', () => {
  it('answers the account without its table keys', async () => {
    ddb.on(GetCommand, { Key: { pk: 'ACCOUNT#acct-demo', sk: 'PROFILE' } }).resolves({
      Item: {
        pk: 'ACCOUNT#acct-demo',
        sk: 'PROFILE',
        accountId: 'acct-demo',
        name: 'Demo',
        status: 'Active',
      },
    });
    const response = await getAccount('acct-demo');
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({
      accountId: 'acct-demo',
      name: 'Demo',
      status: 'Active',
    });
  });

  it('answers 404 not-found for an unknown account', async () => {
    ddb.on(GetCommand).resolves({});
    const response = await getAccount('acct-nobody');
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body ?? '').type).toMatch(/not-found$/);
  });

  it('refuses a malformed account id with 400 without reading', async () => {
    const response = await getAccount('acct demo/1');
    expect(response.statusCode).toBe(400);
    expect(ddb.calls()).toHaveLength(0);
  });
});
