import { describe, expect, it } from 'vitest';
import {
  abortedWorkflowsResumed,
  circuitOpenedAndClosed,
  noDuplicateHistoryEntries,
  nothingReservedForEndedDeliveries,
  type Observations,
  oneDeliveryPerKey,
  percentile,
  sharedDrones,
} from './invariants.ts';
import type { PlannedDelivery, Submission } from './load.ts';

// The invariant checks themselves, on hand-made observations: each must catch what it names.

function observations(overrides: Partial<Observations> = {}): Observations {
  return {
    submissions: [],
    deliveries: [],
    packages: [],
    drones: [],
    scheduler: [],
    history: [],
    archive: [],
    queueDepths: { requests: 0, deadLetters: 0, unsettled: 0 },
    droneSamples: 1,
    doubleAssignments: [],
    circuit: [],
    outage: { downstream: 'accounts', startedAt: 10_000, endedAt: 20_000 },
    deadRequests: [],
    aborts: { invocations: 0, records: [] },
    ...overrides,
  };
}

function submission(key: string, deliveryIds: string[]): Submission {
  const plan = { idempotencyKey: key } as PlannedDelivery;
  return {
    plan,
    postedAt: 0,
    answers: deliveryIds.map((deliveryId) => ({ status: 202, deliveryId, attempts: 1 })),
    deliveryId: deliveryIds[0],
  };
}

describe('chaos invariants', () => {
  const booking = (droneId: string, deliveryId: string, departAt: string, freeAt: string) => ({
    pk: `DRONE#${droneId}`,
    sk: `BOOKING#${departAt}#${deliveryId}`,
    droneId,
    deliveryId,
    departAt,
    freeAt,
  });

  it('finds two overlapping bookings on one drone', () => {
    const items = [
      booking('drone-003', 'd-1', '2030-01-01T10:00:00.000Z', '2030-01-01T10:30:00.000Z'),
      booking('drone-003', 'd-2', '2030-01-01T10:20:00.000Z', '2030-01-01T10:50:00.000Z'),
      booking('drone-004', 'd-3', '2030-01-01T10:00:00.000Z', '2030-01-01T10:30:00.000Z'),
    ];

    const shared = sharedDrones(items);

    expect([...shared]).toEqual([['drone-003', ['d-1', 'd-2']]]);
  });

  it('lets one drone hold bookings at different times', () => {
    const items = [
      booking('drone-003', 'd-1', '2030-01-01T10:00:00.000Z', '2030-01-01T10:30:00.000Z'),
      booking('drone-003', 'd-2', '2030-01-01T10:30:00.000Z', '2030-01-01T11:00:00.000Z'),
    ];

    expect(sharedDrones(items).size).toBe(0);
  });

  it('fails when a Cancelled delivery still holds a drone booking', () => {
    const obs = observations({
      deliveries: [{ pk: 'DELIVERY#d-1', sk: 'DELIVERY', stage: 'Cancelled' }],
      drones: [booking('drone-003', 'd-1', '2030-01-01T10:00:00.000Z', '2030-01-01T10:30:00.000Z')],
    });

    const verdict = nothingReservedForEndedDeliveries(obs);

    expect(verdict.holds).toBe(false);
    expect(verdict.figure).toContain('1 drone bookings');
  });

  it('fails when a Failed delivery still holds an Active package', () => {
    const obs = observations({
      deliveries: [
        { pk: 'DELIVERY#d-1', sk: 'DELIVERY', stage: 'Failed', failureReason: 'NoDroneAvailable' },
      ],
      packages: [{ pk: 'PACKAGE#d-1', sk: 'PACKAGE', status: 'Active' }],
    });

    const verdict = nothingReservedForEndedDeliveries(obs);

    expect(verdict.holds).toBe(false);
    expect(verdict.figure).toContain('1 Active packages');
  });

  it('fails when one delivery has two history entries of one type', () => {
    const entry = { pk: 'DELIVERY#d-1', type: 'DeliveryCompleted' };
    const obs = observations({
      history: [
        { ...entry, sk: 'EVENT#2026-01-01T00:00:01Z#e-1' },
        { ...entry, sk: 'EVENT#2026-01-01T00:00:01Z#e-2' },
      ],
    });

    expect(noDuplicateHistoryEntries(obs).holds).toBe(false);
  });

  it('fails when the duplicates of one key were answered with two deliveries', () => {
    const obs = observations({
      submissions: [submission('k-1', ['d-1', 'd-2'])],
      deliveries: [
        { pk: 'DELIVERY#d-1', sk: 'DELIVERY' },
        { pk: 'DELIVERY#d-2', sk: 'DELIVERY' },
      ],
      scheduler: [{ pk: 'IDEMPOTENCY#acct-demo#k-1', sk: 'KEY' }],
    });

    expect(oneDeliveryPerKey(obs).holds).toBe(false);
  });

  it('holds when a circuit that opened again after recovery closed again', () => {
    const obs = observations({
      circuit: [
        { at: 12_000, downstream: 'accounts', state: 'open' },
        { at: 25_000, downstream: 'accounts', state: 'closed' },
        { at: 40_000, downstream: 'accounts', state: 'open' },
        { at: 52_000, downstream: 'accounts', state: 'closed' },
      ],
    });

    const verdict = circuitOpenedAndClosed(obs);

    expect(verdict.holds).toBe(true);
    expect(verdict.figure).toContain('reopened 1× after recovery and closed again');
  });

  it('fails when the circuit opened again after the downstream recovered and stayed open', () => {
    const obs = observations({
      circuit: [
        { at: 12_000, downstream: 'accounts', state: 'open' },
        { at: 25_000, downstream: 'accounts', state: 'closed' },
        { at: 40_000, downstream: 'accounts', state: 'open' },
      ],
    });

    const verdict = circuitOpenedAndClosed(obs);

    expect(verdict.holds).toBe(false);
    expect(verdict.figure).toContain('reopened 1× after recovery, left open');
  });

  it('fails when a killed request never finished its workflow', () => {
    const obs = observations({
      deliveries: [{ pk: 'DELIVERY#d-1', sk: 'DELIVERY', stage: 'Requested' }],
      scheduler: [{ pk: 'WORKFLOW#d-1', sk: 'schedule#r-1', status: 'Running', steps: { accounts: {} } }],
      aborts: {
        invocations: 1,
        records: [
          {
            at: 0,
            deliveryId: 'd-1',
            operation: 'schedule',
            requestId: 'r-1',
            stepsAtAbort: ['accounts'],
            statusAtAbort: 'Running',
          },
        ],
      },
    });

    expect(abortedWorkflowsResumed(obs).holds).toBe(false);
  });

  it('takes percentiles by nearest rank', () => {
    const sorted = Array.from({ length: 100 }, (_, index) => index + 1);

    expect([percentile(sorted, 0.5), percentile(sorted, 0.99), percentile([], 0.5)]).toEqual([
      50,
      99,
      undefined,
    ]);
  });
});
