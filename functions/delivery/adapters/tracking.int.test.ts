import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadFixture } from '../../../events/fixtures.ts';
import { type ParsedDroneEvent, parseDroneEvent } from '../../../events/schemas.ts';
import { createEventPublisher } from '../../../shared/publisher.ts';
import { createTestTable } from '../../../test/support/dynamodb.ts';
import { putDelivery, rescheduleDelivery, scheduleDelivery } from '../core/lifecycle.ts';
import type { DeliveryStore } from '../core/store.ts';
import { trackDroneEvent } from '../core/tracking.ts';
import type { DeliveryDeps } from '../core/transitions.ts';
import { fakeEventBridge, newDelivery, steppingClock } from '../test-support/fakes.ts';
import { createDeliveryStore } from './dynamodb-store.ts';

const SCENARIO = loadFixture('events/fixtures/scenarios/delivery-completed.json');
const DRONE_EVENTS = SCENARIO.filter((event) => event.source === 'drone-delivery.drones').map((event) =>
  parseDroneEvent(event),
);
const CONTRACT_ONLY_FLIGHT = loadFixture('events/fixtures/scenarios/contract-only-flight.json').map((event) =>
  parseDroneEvent(event),
);
const FIXTURE_DELIVERY = 'd-fixture-0001';

let table: Awaited<ReturnType<typeof createTestTable>>;
let store: DeliveryStore;
let bus: ReturnType<typeof fakeEventBridge>;
let deps: DeliveryDeps;
let sequence = 0;

beforeAll(async () => {
  table = await createTestTable('delivery-tracking');
  store = createDeliveryStore(table.documentClient, table.tableName);
});
afterAll(async () => {
  await table.drop();
});
beforeEach(() => {
  bus = fakeEventBridge();
  deps = { store, publisher: createEventPublisher(bus.client, 'test-bus'), now: steppingClock() };
});

/** A scheduled delivery; the scenario's drone events are re-addressed to it so each test has its own. */
async function scheduled(): Promise<string> {
  const deliveryId = `${FIXTURE_DELIVERY}-${++sequence}`;
  await putDelivery(deps, deliveryId, newDelivery());
  await scheduleDelivery(deps, deliveryId, {
    droneId: 'drone-001',
    pickupEta: '2026-05-04T16:04:00Z',
    deliveryEta: '2026-05-04T16:15:00Z',
  });
  bus.published.length = 0;
  return deliveryId;
}

function addressedTo(deliveryId: string, events: ParsedDroneEvent[] = DRONE_EVENTS): ParsedDroneEvent[] {
  return events.map((event) =>
    parseDroneEvent({ ...event.envelope, detail: { ...event.detail, deliveryId } }),
  );
}

/** The event as published under `metadata.eventId` (and the envelope overrides). */
function withEventId(
  event: ParsedDroneEvent,
  eventId: string,
  envelope: Record<string, unknown> = {},
): ParsedDroneEvent {
  return parseDroneEvent({
    ...event.envelope,
    ...envelope,
    detail: { ...event.detail, metadata: { ...event.detail.metadata, eventId } },
  });
}

function droneEvent(index: number, deliveryId: string): ParsedDroneEvent {
  const event = DRONE_EVENTS[index];
  if (!event) throw new Error(`no drone event ${index}`);
  return addressedTo(deliveryId, [event])[0] as ParsedDroneEvent;
}

const statusIndex = (status: string) =>
  DRONE_EVENTS.findIndex(
    (event) => event.detailType === 'DroneStatusChanged' && event.detail.status === status,
  );
const positionIndexes = () =>
  DRONE_EVENTS.flatMap((event, index) => (event.detailType === 'DronePositionChanged' ? [index] : []));

describe('trackDroneEvent', () => {
  it('turns a complete drone flight into DeliveryInTransit then DeliveryCompleted', async () => {
    const deliveryId = await scheduled();

    for (const event of addressedTo(deliveryId)) await trackDroneEvent(deps, event);

    const expected = SCENARIO.filter(
      (event) => event['detail-type'] === 'DeliveryInTransit' || event['detail-type'] === 'DeliveryCompleted',
    );
    expect(bus.published.map((event) => event.detailType)).toEqual([
      'DeliveryInTransit',
      'DeliveryCompleted',
    ]);
    bus.published.forEach((event, index) => {
      const { deliveryId: _id, ...fixtureData } = (expected[index]?.detail ?? {}) as Record<string, unknown>;
      expect(event.detail).toMatchObject({ ...fixtureData, deliveryId });
    });
    const record = await store.get(deliveryId);
    expect(record).toMatchObject({ stage: 'Completed', completedAt: '2026-05-04T16:14:40.000Z' });
  });

  it('links each translated event to its drone event and keeps the correlation id', async () => {
    const deliveryId = await scheduled();

    for (const event of addressedTo(deliveryId)) await trackDroneEvent(deps, event);

    expect(bus.published.map((event) => event.detail.metadata)).toEqual([
      {
        eventId: expect.any(String),
        correlationId: 'corr-fixture-0001',
        causationId: '5f0c1e2a-7b3d-4c8e-9a10-000000000006',
        schemaVersion: '1',
        occurredAt: expect.any(String),
      },
      {
        eventId: expect.any(String),
        correlationId: 'corr-fixture-0001',
        causationId: '5f0c1e2a-7b3d-4c8e-9a10-000000000013',
        schemaVersion: '1',
        occurredAt: expect.any(String),
      },
    ]);
  });

  it('emits nothing more when the whole flight is delivered again', async () => {
    const deliveryId = await scheduled();
    for (const event of addressedTo(deliveryId)) await trackDroneEvent(deps, event);

    const outcomes = [];
    for (const event of addressedTo(deliveryId)) outcomes.push(await trackDroneEvent(deps, event));

    expect(bus.published).toHaveLength(2);
    expect(outcomes).not.toContain('transitioned');
  });

  it('emits one DeliveryInTransit when PickedUp is repeated', async () => {
    const deliveryId = await scheduled();
    const pickedUp = droneEvent(statusIndex('PickedUp'), deliveryId);

    const outcomes = [await trackDroneEvent(deps, pickedUp), await trackDroneEvent(deps, pickedUp)];

    expect(outcomes).toEqual(['transitioned', 'duplicate']);
    expect(bus.published.map((event) => event.detailType)).toEqual(['DeliveryInTransit']);
  });

  it('recognizes a PickedUp published again under a new envelope by its eventId', async () => {
    const deliveryId = await scheduled();
    const pickedUp = droneEvent(statusIndex('PickedUp'), deliveryId);
    const [first, again] = ['envelope-a', 'envelope-b'].map((id) =>
      withEventId(pickedUp, 'drone-event-1', { id }),
    );
    if (!first || !again) throw new Error('no events');

    const outcomes = [await trackDroneEvent(deps, first), await trackDroneEvent(deps, again)];

    expect(outcomes).toEqual(['transitioned', 'duplicate']);
    expect(bus.published.map((event) => event.detail.metadata.causationId)).toEqual(['drone-event-1']);
  });

  it('leaves the stage alone for another PickedUp report of the same flight', async () => {
    const deliveryId = await scheduled();
    const pickedUp = droneEvent(statusIndex('PickedUp'), deliveryId);
    await trackDroneEvent(deps, withEventId(pickedUp, 'drone-event-1'));

    const outcome = await trackDroneEvent(deps, withEventId(pickedUp, 'drone-event-2'));

    expect(outcome).toBe('unchanged');
    expect(bus.published.map((event) => event.detailType)).toEqual(['DeliveryInTransit']);
  });

  it.each([
    ['the same envelope', (_index: number) => 'envelope-same'],
    ['a different envelope each', (index: number) => `envelope-${index}`],
  ])('transitions once for 20 concurrent copies of one PickedUp under %s', async (_name, envelopeId) => {
    const deliveryId = await scheduled();
    const pickedUp = droneEvent(statusIndex('PickedUp'), deliveryId);
    const copies = Array.from({ length: 20 }, (_, index) =>
      withEventId(pickedUp, 'drone-event-concurrent', { id: envelopeId(index) }),
    );

    const outcomes = await Promise.all(copies.map((copy) => trackDroneEvent(deps, copy)));

    expect(outcomes.filter((outcome) => outcome === 'transitioned')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome !== 'transitioned')).toEqual(Array(19).fill('duplicate'));
    // Copies that read the fresh outbox may publish it too, always as the same event.
    expect(new Set(bus.published.map((event) => event.detail.metadata.eventId)).size).toBe(1);
    expect(bus.published.every((event) => event.detailType === 'DeliveryInTransit')).toBe(true);
    const record = await store.get(deliveryId);
    expect(record).toMatchObject({ stage: 'InTransit', appliedDroneEvents: ['drone-event-concurrent'] });
    expect(record?.pendingEvents).toBeUndefined();
  });

  it('goes InTransit then Completed on drone events with only the contract fields', async () => {
    const deliveryId = await scheduled();
    const contractOnly = addressedTo(deliveryId, CONTRACT_ONLY_FLIGHT);

    const outcomes = [];
    for (const event of contractOnly) outcomes.push(await trackDroneEvent(deps, event));

    expect(outcomes.filter((outcome) => outcome === 'transitioned')).toHaveLength(2);
    expect(bus.published.map((event) => event.detailType)).toEqual([
      'DeliveryInTransit',
      'DeliveryCompleted',
    ]);
    const dropped = CONTRACT_ONLY_FLIGHT.find(
      (event) => event.detailType === 'DroneStatusChanged' && event.detail.status === 'Dropped',
    );
    expect(await store.get(deliveryId)).toMatchObject({
      stage: 'Completed',
      completedAt: dropped?.envelope.time,
    });
    expect(bus.published.map((event) => event.detail.metadata.causationId)).toEqual(
      ['PickedUp', 'Dropped'].map(
        (status) =>
          CONTRACT_ONLY_FLIGHT.find(
            (event) => event.detailType === 'DroneStatusChanged' && event.detail.status === status,
          )?.envelope.id,
      ),
    );
  });

  it('ignores events about an unknown delivery without error', async () => {
    const outcome = await trackDroneEvent(deps, droneEvent(statusIndex('PickedUp'), 'd-never-created'));

    expect(outcome).toBe('ignored-unknown-delivery');
    expect(bus.published).toEqual([]);
  });

  it('ignores positions about an unknown delivery without error', async () => {
    const outcome = await trackDroneEvent(deps, droneEvent(positionIndexes()[0] ?? 0, 'd-never-created'));

    expect(outcome).toBe('ignored-unknown-delivery');
  });

  it('ignores drone events that name no delivery', async () => {
    const event = DRONE_EVENTS[statusIndex('Idle')] as ParsedDroneEvent;
    const { deliveryId: _none, ...detail } = event.detail;

    const outcome = await trackDroneEvent(deps, parseDroneEvent({ ...event.envelope, detail }));

    expect(outcome).toBe('ignored-no-delivery');
  });

  it('ignores status reports of a drone the delivery is not assigned to', async () => {
    const deliveryId = await scheduled();
    const pickedUp = droneEvent(statusIndex('PickedUp'), deliveryId);

    const outcome = await trackDroneEvent(
      deps,
      parseDroneEvent({ ...pickedUp.envelope, detail: { ...pickedUp.detail, droneId: 'drone-999' } }),
    );

    expect(outcome).toBe('ignored-other-drone');
    expect((await store.get(deliveryId))?.stage).toBe('Scheduled');
  });

  it('records a newer position with re-estimated ETAs', async () => {
    const deliveryId = await scheduled();
    const position = droneEvent(positionIndexes()[0] ?? 0, deliveryId);

    const outcome = await trackDroneEvent(deps, position);

    const record = await store.get(deliveryId);
    expect(outcome).toBe('position-recorded');
    expect(record?.lastKnownLocation).toEqual(position.detail.location);
    expect(record?.lastPositionAt).toBe(new Date(position.detail.recordedAt).toISOString());
    expect(Date.parse(record?.pickupEta ?? '')).toBeGreaterThan(Date.parse(position.detail.recordedAt));
    expect(Date.parse(record?.deliveryEta ?? '')).toBeGreaterThan(Date.parse(record?.pickupEta ?? ''));
  });

  it('ignores a position older than the last one seen', async () => {
    const deliveryId = await scheduled();
    const [first, second] = positionIndexes().map((index) => droneEvent(index, deliveryId));
    if (!first || !second) throw new Error('scenario has too few positions');
    await trackDroneEvent(deps, second);

    const outcome = await trackDroneEvent(deps, first);

    expect(outcome).toBe('position-ignored');
    expect((await store.get(deliveryId))?.lastKnownLocation).toEqual(second.detail.location);
  });

  it('ignores positions once the delivery is completed', async () => {
    const deliveryId = await scheduled();
    await trackDroneEvent(deps, droneEvent(statusIndex('PickedUp'), deliveryId));
    await trackDroneEvent(deps, droneEvent(statusIndex('Dropped'), deliveryId));
    const late = droneEvent(positionIndexes().at(-1) ?? 0, deliveryId);

    const outcome = await trackDroneEvent(deps, late);

    expect(outcome).toBe('position-ignored');
    expect((await store.get(deliveryId))?.lastKnownLocation).toEqual(
      droneEvent(statusIndex('Dropped'), deliveryId).detail.location,
    );
  });

  it('tells both facts when the drop is seen before the pickup, and ignores the late pickup', async () => {
    const deliveryId = await scheduled();

    await trackDroneEvent(deps, droneEvent(statusIndex('Dropped'), deliveryId));
    const late = await trackDroneEvent(deps, droneEvent(statusIndex('PickedUp'), deliveryId));

    expect(late).toBe('unchanged');
    expect(bus.published.map((event) => event.detailType)).toEqual([
      'DeliveryInTransit',
      'DeliveryCompleted',
    ]);
    expect((await store.get(deliveryId))?.stage).toBe('Completed');
  });

  it('leaves a fresh outbox to the call that wrote it when a position report comes in the same tick', async () => {
    const deliveryId = await scheduled();
    const pickedUpIndex = statusIndex('PickedUp');
    const position = droneEvent(positionIndexes().find((index) => index > pickedUpIndex) ?? 0, deliveryId);
    bus.failNext();
    await expect(trackDroneEvent(deps, droneEvent(pickedUpIndex, deliveryId))).rejects.toThrow();

    await trackDroneEvent(deps, position);

    expect(bus.published).toEqual([]);
    expect((await store.get(deliveryId))?.pendingEvents?.map((event) => event.detailType)).toEqual([
      'DeliveryInTransit',
    ]);
  });

  it('publishes a pending DeliveryInTransit when the failed PickedUp message is redelivered', async () => {
    const deliveryId = await scheduled();
    const pickedUp = droneEvent(statusIndex('PickedUp'), deliveryId);
    bus.failNext();
    await expect(trackDroneEvent(deps, pickedUp)).rejects.toThrow();

    await trackDroneEvent(deps, pickedUp);

    expect(bus.published.map((event) => event.detailType)).toEqual(['DeliveryInTransit']);
    expect((await store.get(deliveryId))?.pendingEvents).toBeUndefined();
  });
});

describe('a rescheduled delivery', () => {
  /** A scheduled delivery moved to a new plan flown by `drone-002`. */
  async function rescheduled(): Promise<string> {
    const deliveryId = await scheduled();
    await rescheduleDelivery(deps, deliveryId, {
      requestId: `req-${deliveryId}`,
      pickupTime: '2026-05-04T16:30:00Z',
      deadline: '2026-05-04T18:30:00Z',
      dropoff: { latitude: 47.61, longitude: -122.3, altitude: 0 },
      droneId: 'drone-002',
      pickupEta: '2026-05-04T16:34:00Z',
      deliveryEta: '2026-05-04T16:45:00Z',
    });
    bus.published.length = 0;
    return deliveryId;
  }
  const byDrone = (event: ParsedDroneEvent, droneId: string) =>
    parseDroneEvent({ ...event.envelope, detail: { ...event.detail, droneId } });

  it("records its new drone's positions as a scheduled delivery's", async () => {
    const deliveryId = await rescheduled();
    const position = byDrone(droneEvent(positionIndexes()[0] ?? 0, deliveryId), 'drone-002');

    const outcome = await trackDroneEvent(deps, position);

    expect(outcome).toBe('position-recorded');
    expect((await store.get(deliveryId))?.lastKnownLocation).toEqual(position.detail.location);
  });

  it('goes InTransit when its new drone picks up, and ignores the drone it had before', async () => {
    const deliveryId = await rescheduled();
    const pickedUp = droneEvent(statusIndex('PickedUp'), deliveryId);

    const oldDrone = await trackDroneEvent(deps, pickedUp);
    const newDrone = await trackDroneEvent(deps, byDrone(pickedUp, 'drone-002'));

    expect([oldDrone, newDrone]).toEqual(['ignored-other-drone', 'transitioned']);
    expect((await store.get(deliveryId))?.stage).toBe('InTransit');
    expect(bus.published.map((event) => event.detail)).toMatchObject([{ droneId: 'drone-002' }]);
  });
});

describe('a drone that flies before its delivery is scheduled', () => {
  const assignment = {
    droneId: 'drone-001',
    pickupEta: '2026-05-04T16:04:00Z',
    deliveryEta: '2026-05-04T16:15:00Z',
  };

  async function requested(): Promise<string> {
    const deliveryId = `${FIXTURE_DELIVERY}-early-${++sequence}`;
    await putDelivery(deps, deliveryId, newDelivery());
    return deliveryId;
  }

  it('keeps the flight and tells it in order once the delivery is scheduled', async () => {
    const deliveryId = await requested();
    for (const event of addressedTo(deliveryId)) await trackDroneEvent(deps, event);
    expect(bus.published).toEqual([]);

    const { record } = await scheduleDelivery(deps, deliveryId, assignment);

    expect(bus.published.map((event) => event.detailType)).toEqual([
      'DeliveryCreated',
      'DeliveryInTransit',
      'DeliveryCompleted',
    ]);
    expect(record).toMatchObject({
      stage: 'Completed',
      droneId: 'drone-001',
      completedAt: '2026-05-04T16:14:40.000Z',
    });
  });

  it('moves a delivery picked up early to InTransit when scheduled', async () => {
    const deliveryId = await requested();
    await trackDroneEvent(deps, droneEvent(statusIndex('PickedUp'), deliveryId));

    const { record } = await scheduleDelivery(deps, deliveryId, assignment);

    expect(bus.published.map((event) => event.detailType)).toEqual(['DeliveryCreated', 'DeliveryInTransit']);
    expect(record.stage).toBe('InTransit');
  });

  it('ignores an early flight of another drone than the one scheduled', async () => {
    const deliveryId = await requested();
    await trackDroneEvent(deps, droneEvent(statusIndex('Dropped'), deliveryId));

    const { record } = await scheduleDelivery(deps, deliveryId, { ...assignment, droneId: 'drone-002' });

    expect(bus.published.map((event) => event.detailType)).toEqual(['DeliveryCreated']);
    expect(record.stage).toBe('Scheduled');
  });
});
