import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { lambdaContext } from '../../test/support/lambda.ts';
import { DEMO_ACCOUNTS } from './core/accounts.ts';
import { handler } from './seed-demo-data.ts';

const ddb = mockClient(DynamoDBDocumentClient);

afterEach(() => {
  ddb.reset();
});

describe('seed-demo-data trigger', () => {
  it('puts every demo account only if absent', async () => {
    ddb.on(PutCommand).resolves({});
    const result = await handler({}, lambdaContext());
    expect(result).toEqual({ created: DEMO_ACCOUNTS.length, existing: 0 });
    const puts = ddb.commandCalls(PutCommand).map((call) => call.args[0].input);
    expect(puts.map((input) => input.Item?.pk)).toContain('ACCOUNT#acct-suspended');
    expect(puts.every((input) => input.ConditionExpression === 'attribute_not_exists(pk)')).toBe(true);
  });

  it('counts accounts that already exist instead of failing', async () => {
    ddb
      .on(PutCommand)
      .rejects(Object.assign(new Error('exists'), { name: 'ConditionalCheckFailedException' }));
    const result = await handler({}, lambdaContext());
    expect(result).toEqual({ created: 0, existing: DEMO_ACCOUNTS.length });
  });

  it('fails the trigger on any other error so the deployment shows it', async () => {
    ddb.on(PutCommand).rejects(new Error('throttled'));
    await expect(handler({}, lambdaContext())).rejects.toThrow('throttled');
  });

  it('seeds an active demo account, a suspended one and others to act as different clients', () => {
    const statusOf = Object.fromEntries(DEMO_ACCOUNTS.map((a) => [a.accountId, a.status]));
    expect(statusOf).toMatchObject({
      'acct-demo': 'Active',
      'acct-suspended': 'Suspended',
      'acct-demo-2': 'Active',
      'acct-other': 'Active',
    });
  });
});
