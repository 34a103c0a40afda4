import * as z from 'zod';
import { NotFoundError } from '../../../shared/errors.ts';

export const accountSchema = z.object({
  accountId: z.string().min(1),
  name: z.string().min(1),
  status: z.enum(['Active', 'Suspended']),
  email: z.string().optional(),
  phone: z.string().optional(),
});
export type Account = z.infer<typeof accountSchema>;

/** The accounts table as the logic sees it. */
export interface AccountStore {
  get(accountId: string): Promise<Account | undefined>;
  /** Creates the account unless it exists; true when created. */
  putIfAbsent(account: Account): Promise<boolean>;
}

// Demo accounts of dev stages and the local cloud: one suspended (its deliveries fail with
// AccountSuspended) and several active ones, so tests can act as different clients.
export const DEMO_ACCOUNTS: readonly Account[] = [
  {
    accountId: 'acct-demo',
    name: 'Demo Bakery',
    status: 'Active',
    email: 'orders@demo-bakery.example',
    phone: '+12065550100',
  },
  {
    accountId: 'acct-suspended',
    name: 'Suspended Traders',
    status: 'Suspended',
    email: 'ops@suspended.example',
  },
  { accountId: 'acct-demo-2', name: 'Demo Pharmacy', status: 'Active', email: 'rx@demo-pharmacy.example' },
  { accountId: 'acct-demo-3', name: 'Demo Books', status: 'Active', phone: '+12065550103' },
  { accountId: 'acct-other', name: 'Other Company', status: 'Active', email: 'team@other.example' },
];

/** An account by id; 404 when unknown. */
export async function getAccount(store: AccountStore, accountId: string): Promise<Account> {
  const account = await store.get(accountId);
  if (!account) throw new NotFoundError(`Account ${accountId} does not exist.`);
  return account;
}

/** Puts every demo account that does not exist yet; accounts already there keep their state. */
export async function seedDemoAccounts(store: AccountStore): Promise<{ created: number; existing: number }> {
  const created = await Promise.all(DEMO_ACCOUNTS.map((account) => store.putIfAbsent(account)));
  const count = created.filter(Boolean).length;
  return { created: count, existing: created.length - count };
}
