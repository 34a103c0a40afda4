import { describe, expect, it } from 'vitest';
import { drone, near } from '../test-support/fixtures.ts';
import { createMemoryDroneStore } from '../test-support/memory-store.ts';
import { recordingPublisher } from '../test-support/publisher.ts';
import { ABANDONED_OUTBOX_MS, sweepOutboxes } from './outbox-sweeper.ts';
import { ingestTelemetry, type Telemetry } from './telemetry.ts';

const T0 = Date.parse('2030-01-01T10:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

function report(seconds: number, overrides: Partial<Telemetry> = {}): Telemetry {
  return { location: near(0.5), batteryPercent: 90, speedMps: 20, recordedAt: at(seconds), ...overrides };
}

function setup() {
  const memory = createMemoryDroneStore([
    drone('d-1', { state: 'HeadedToPickup', deliveryId: 'del-1', lastTelemetryAt: at(0) }),
  ]);
  const bus = recordingPublisher();
  let clock = T0 + 1000;
  const deps = (correlationId = 'corr-1') => ({
    store: memory.store,
    publisher: bus.publisher,
    now: () => new Date(clock),
    correlationId,
  });
  const sweep = () =>
    sweepOutboxes(
      { ...deps(), remainingMs: () => 60_000, onFailure: () => undefined },
      { graceMs: ABANDONED_OUTBOX_MS, limitPerShard: 10, marginMs: 1_000 },
    );
  return {
    ...memory,
    bus,
    deps,
    sweep,
    advance(ms: number) {
      clock += ms;
    },
  };
}

const pickedUp = { deliveryId: 'del-1', status: 'PickedUp' as const };

describe('the telemetry outbox', () => {
  it('stores the events in the write, publishes them as stored, then clears the mark', async () => {
    const { deps, bus, drones } = setup();

    const outcome = await ingestTelemetry(deps(), 'd-1', report(1, pickedUp));

    const stored = drones.get('d-1');
    expect(outcome).toBe('applied');
    expect(stored?.outboxKey).toBeUndefined();
    expect(stored?.outbox?.map((event) => event.detailType)).toEqual([
      'DronePositionChanged',
      'DroneStatusChanged',
    ]);
    expect(bus.published.map((event) => event.eventId)).toEqual(
      stored?.outbox?.map((event) => event.eventId),
    );
    expect(bus.published[1]).toMatchObject({ data: { status: 'PickedUp' }, correlationId: 'corr-1' });
  });

  it('keeps a status change whose publish failed marked as unpublished, and answers 503', async () => {
    const { deps, bus, drones } = setup();
    bus.failNext();

    const call = ingestTelemetry(deps(), 'd-1', report(1, pickedUp));

    await expect(call).rejects.toMatchObject({ statusCode: 503 });
    expect(drones.get('d-1')).toMatchObject({ state: 'PickedUp', outboxKey: expect.any(String) });
    expect(bus.published).toEqual([]);
  });

  it("publishes a batch left unpublished before the next report's own, with its original eventId", async () => {
    const { deps, bus, drones } = setup();
    bus.failNext();
    await ingestTelemetry(deps(), 'd-1', report(1, pickedUp)).catch(() => undefined);
    const lost = drones.get('d-1')?.outbox?.find((event) => event.detailType === 'DroneStatusChanged');

    await ingestTelemetry(
      deps('corr-2'),
      'd-1',
      report(2, { deliveryId: 'del-1', status: 'HeadedToDropoff' }),
    );

    expect(bus.published.map((event) => [event.detailType, event.data.status])).toEqual([
      ['DronePositionChanged', undefined],
      ['DroneStatusChanged', 'PickedUp'],
      ['DronePositionChanged', undefined],
      ['DroneStatusChanged', 'HeadedToDropoff'],
    ]);
    expect(bus.published[1]).toMatchObject({ eventId: lost?.eventId, correlationId: 'corr-1' });
    expect(drones.get('d-1')?.outboxKey).toBeUndefined();
  });

  it('publishes a repeated report again under the same eventIds, without new ones', async () => {
    const { deps, bus } = setup();
    await ingestTelemetry(deps(), 'd-1', report(1, pickedUp));

    const outcome = await ingestTelemetry(deps('corr-retry'), 'd-1', report(1, pickedUp));

    expect(outcome).toBe('replayed');
    const [first, second] = [bus.published.slice(0, 2), bus.published.slice(2)];
    expect(second.map((event) => event.eventId)).toEqual(first.map((event) => event.eventId));
    expect(second.map((event) => event.correlationId)).toEqual(['corr-1', 'corr-1']);
  });

  it('publishes the stored batch, not the repeat, when a repeat differs from the first copy', async () => {
    const { deps, bus } = setup();
    await ingestTelemetry(deps(), 'd-1', report(1, pickedUp));

    await ingestTelemetry(deps(), 'd-1', report(1, { ...pickedUp, location: near(9) }));

    expect(bus.published[2]?.data.location).toEqual(near(0.5));
  });

  it('publishes and clears a marked batch when the failed report is repeated', async () => {
    const { deps, bus, drones } = setup();
    bus.failNext();
    await ingestTelemetry(deps(), 'd-1', report(1, pickedUp)).catch(() => undefined);

    await ingestTelemetry(deps(), 'd-1', report(1, pickedUp));

    expect(bus.idsOf('DroneStatusChanged')).toEqual([
      drones.get('d-1')?.outbox?.find((event) => event.detailType === 'DroneStatusChanged')?.eventId,
    ]);
    expect(drones.get('d-1')?.outboxKey).toBeUndefined();
  });

  it('stores a position-only report without marking it', async () => {
    const { deps, drones } = setup();

    await ingestTelemetry(deps(), 'd-1', report(1));

    expect(drones.get('d-1')?.outbox?.map((event) => event.detailType)).toEqual(['DronePositionChanged']);
    expect(drones.get('d-1')?.outboxKey).toBeUndefined();
    expect(drones.get('d-1')?.outboxSince).toBeUndefined();
  });

  it('does not publish anything for a report older than the last one, even with a batch marked', async () => {
    const { deps, bus } = setup();
    bus.failNext();
    await ingestTelemetry(deps(), 'd-1', report(5, pickedUp)).catch(() => undefined);

    const outcome = await ingestTelemetry(deps(), 'd-1', report(3));

    expect(outcome).toBe('stale');
    expect(bus.published).toEqual([]);
  });
});

describe('a status change lost between the write and the publish', () => {
  it('is published by the sweeper once older than the grace period, with its original eventIds', async () => {
    const { deps, bus, drones, sweep, advance } = setup();
    bus.failNext();
    await ingestTelemetry(deps(), 'd-1', report(1, pickedUp)).catch(() => undefined);
    const stored = drones.get('d-1')?.outbox?.map((event) => event.eventId);

    const early = await sweep();
    advance(ABANDONED_OUTBOX_MS + 1);
    const late = await sweep();

    expect(early).toMatchObject({ found: 0, published: 0 });
    expect(late).toMatchObject({ found: 1, published: 1, failed: 0 });
    expect(bus.published.map((event) => event.eventId)).toEqual(stored);
    expect(bus.published.map((event) => event.correlationId)).toEqual(['corr-1', 'corr-1']);
    expect(drones.get('d-1')?.outboxKey).toBeUndefined();
    expect(await sweep()).toMatchObject({ found: 0, published: 0 });
  });
});
