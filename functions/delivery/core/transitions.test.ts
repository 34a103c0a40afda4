import { describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../../../shared/errors.ts';
import { storedDelivery } from '../test-support/items.ts';
import { DeliveryRecord } from './model.ts';
import { type DeliveryStore, StaleVersionError } from './store.ts';
import { transition } from './transitions.ts';

function storeLosingEveryRace(): DeliveryStore & { updates: number } {
  const record = DeliveryRecord.parse(storedDelivery());
  const store = {
    updates: 0,
    get: async () => record,
    update: async () => {
      store.updates++;
      throw new StaleVersionError('changed');
    },
  };
  return store as unknown as DeliveryStore & { updates: number };
}

describe('transition', () => {
  it('gives up as transient after losing five races in a row', async () => {
    const store = storeLosingEveryRace();
    const deps = { store, publisher: { publish: async () => undefined }, now: () => new Date() };

    const attempt = transition(deps, 'd-1', 'corr', () => ({
      kind: 'change',
      changes: { stage: 'Cancelled' },
      events: [],
    }));

    await expect(attempt).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(store.updates).toBe(5);
  });
});
