import { describe, expect, it } from 'vitest';
import { DELIVERY_EVENT_TYPES } from '../../../events/catalog.ts';
import { parseDeliveryEvent } from '../../../events/schemas.ts';
import { deliveryEnvelope } from '../test-support/delivery-events.ts';
import { ACCOUNT, NOW, scheduleRequest } from '../test-support/harness.ts';
import { MemoryStore } from '../test-support/memory-store.ts';
import { recordDeliveryStage, STAGE_EVENT_TYPES, STAGE_OF_EVENT } from './stages.ts';

async function storeWithRequest(deliveryId = 'd1') {
  const store = new MemoryStore();
  await store.putRequest({
    deliveryId,
    accountId: ACCOUNT,
    requestId: `req-${deliveryId}`,
    request: scheduleRequest(),
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
  });
  return store;
}

const event = (...args: Parameters<typeof deliveryEnvelope>) => parseDeliveryEvent(deliveryEnvelope(...args));

describe('stage projection', () => {
  it.each(Object.entries(STAGE_OF_EVENT))('records %s as stage %s', async (detailType, stage) => {
    const store = await storeWithRequest();

    const change = await recordDeliveryStage(
      store,
      event(detailType as keyof typeof STAGE_OF_EVENT, 'd1', { eventId: 'e1' }),
    );

    expect(change).toBe('applied');
    expect((await store.getRequest('d1'))?.stage).toBe(stage);
  });

  it('never moves a delivery back: a late DeliveryCreated after DeliveryCompleted changes nothing', async () => {
    const store = await storeWithRequest();
    await recordDeliveryStage(store, event('DeliveryCompleted', 'd1', { eventId: 'e3' }));

    const late = await recordDeliveryStage(store, event('DeliveryCreated', 'd1', { eventId: 'e1' }));
    const later = await recordDeliveryStage(store, event('DeliveryInTransit', 'd1', { eventId: 'e2' }));

    expect([late, later]).toEqual(['stale', 'stale']);
    expect((await store.getRequest('d1'))?.stage).toBe('Completed');
  });

  it('keeps the first final stage it is told', async () => {
    const store = await storeWithRequest();
    await recordDeliveryStage(store, event('DeliveryCancelled', 'd1', { eventId: 'e1' }));

    const change = await recordDeliveryStage(store, event('DeliveryFailed', 'd1', { eventId: 'e2' }));

    expect(change).toBe('stale');
    expect((await store.getRequest('d1'))?.stage).toBe('Cancelled');
  });

  it('has one effect for 20 concurrent copies of one event', async () => {
    const store = await storeWithRequest();
    const copies = Array.from({ length: 20 }, () => event('DeliveryInTransit', 'd1', { eventId: 'e1' }));

    const changes = await Promise.all(copies.map((copy) => recordDeliveryStage(store, copy)));

    expect(changes.filter((change) => change === 'applied')).toHaveLength(1);
    expect(store.stageChanges).toEqual([{ deliveryId: 'd1', stage: 'InTransit', eventId: 'e1' }]);
  });

  it("falls back to the envelope's id for an event published without metadata.eventId", async () => {
    const store = await storeWithRequest();

    await recordDeliveryStage(store, event('DeliveryCompleted', 'd1', { id: 'envelope-id' }));

    expect(store.stageChanges).toEqual([{ deliveryId: 'd1', stage: 'Completed', eventId: 'envelope-id' }]);
  });

  it('ignores an event about a delivery it never accepted, without error', async () => {
    const store = await storeWithRequest();

    const change = await recordDeliveryStage(store, event('DeliveryCompleted', 'ghost', { eventId: 'e1' }));

    expect(change).toBe('unknown-delivery');
    expect(store.stageChanges).toEqual([]);
  });

  it('maps only delivery events of the catalog', () => {
    for (const type of STAGE_EVENT_TYPES) expect(DELIVERY_EVENT_TYPES).toContain(type);
  });
});
