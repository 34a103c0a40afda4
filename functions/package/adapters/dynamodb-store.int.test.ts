import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTable } from '../../../test/support/dynamodb.ts';
import { cancelPackage, getPackage, type PackageDeps, putPackage } from '../core/packages.ts';
import { createPackageStore } from './dynamodb-store.ts';

let table: Awaited<ReturnType<typeof createTestTable>>;
let deps: PackageDeps;

beforeAll(async () => {
  table = await createTestTable('packages');
  deps = { store: createPackageStore(table.documentClient, table.tableName), now: () => new Date() };
});

afterAll(async () => {
  await table.drop();
});

const spec = { accountId: 'acct-demo', size: 'Medium' as const, weightKg: 3, tag: 'shoes' };

describe('package store', () => {
  it('gives the same package for the same call twice', async () => {
    const first = await putPackage(deps, 'p-same', spec);
    const second = await putPackage(deps, 'p-same', spec);
    expect(second).toEqual(first);
    expect(await getPackage(deps, 'p-same')).toEqual(first);
  });

  it('updates the package on a rescheduled call, dropping a removed tag', async () => {
    await putPackage(deps, 'p-update', spec);
    await putPackage(deps, 'p-update', { accountId: 'acct-demo', size: 'Large', weightKg: 8 });
    const stored = await getPackage(deps, 'p-update');
    expect(stored).toMatchObject({ size: 'Large', weightKg: 8 });
    expect(stored.tag).toBeUndefined();
  });

  it('cancels idempotently and reactivates on a later put', async () => {
    await putPackage(deps, 'p-cancel', spec);
    await cancelPackage(deps, 'p-cancel');
    const again = await cancelPackage(deps, 'p-cancel');
    expect(again).toMatchObject({ status: 'Cancelled', packageId: 'pkg-p-cancel' });
    const reactivated = await putPackage(deps, 'p-cancel', spec);
    expect(reactivated.status).toBe('Active');
    expect((await getPackage(deps, 'p-cancel')).status).toBe('Active');
  });

  it('answers Cancelled without creating anything for a delivery that never had a package', async () => {
    expect(await cancelPackage(deps, 'p-none')).toEqual({ deliveryId: 'p-none', status: 'Cancelled' });
    await expect(getPackage(deps, 'p-none')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('refuses another account’s put on an existing package', async () => {
    await putPackage(deps, 'p-owner', spec);
    await expect(putPackage(deps, 'p-owner', { ...spec, accountId: 'acct-other' })).rejects.toMatchObject({
      statusCode: 409,
    });
    expect((await getPackage(deps, 'p-owner')).accountId).toBe('acct-demo');
  });
});
