import type { DeliveryRecord } from '../core/model.ts';
import { newDelivery } from './fakes.ts';

/** A stored delivery item as DynamoDB returns it (keys included). */
export function storedDelivery(overrides: Partial<DeliveryRecord> = {}): Record<string, unknown> {
  const { accountId, ...input } = newDelivery();
  const record: DeliveryRecord = {
    deliveryId: 'd-1',
    accountId,
    stage: 'Requested',
    ...input,
    createdAt: '2026-05-04T15:00:00.000Z',
    updatedAt: '2026-05-04T15:00:00.000Z',
    version: 1,
    ...overrides,
  };
  return {
    pk: `DELIVERY#${record.deliveryId}`,
    sk: 'DELIVERY',
    gsi1pk: `ACCOUNT#${record.accountId}`,
    gsi1sk: `${record.createdAt}#${record.deliveryId}`,
    ...record,
  };
}
