import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTable } from '../../../test/support/dynamodb.ts';
import { DEMO_ACCOUNTS, getAccount, seedDemoAccounts } from '../core/accounts.ts';
import { createAccountStore } from './dynamodb-store.ts';

let table: Awaited<ReturnType<typeof createTestTable>>;

beforeAll(async () => {
  table = await createTestTable('accounts');
});

afterAll(async () => {
  await table.drop();
});

describe('account store', () => {
  it('seeds the demo accounts once, keeping existing ones on a second run', async () => {
    const store = createAccountStore(table.documentClient, table.tableName);
    const first = await seedDemoAccounts(store);
    const second = await seedDemoAccounts(store);
    expect(first).toEqual({ created: DEMO_ACCOUNTS.length, existing: 0 });
    expect(second).toEqual({ created: 0, existing: DEMO_ACCOUNTS.length });
  });

  it('reads a seeded account back', async () => {
    const store = createAccountStore(table.documentClient, table.tableName);
    await seedDemoAccounts(store);
    expect(await getAccount(store, 'acct-suspended')).toMatchObject({
      accountId: 'acct-suspended',
      status: 'Suspended',
    });
  });

  it('answers 404 for an account that was never created', async () => {
    const store = createAccountStore(table.documentClient, table.tableName);
    await expect(getAccount(store, 'acct-missing')).rejects.toMatchObject({ statusCode: 404 });
  });
});
