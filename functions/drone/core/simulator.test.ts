import { describe, expect, it, vi } from 'vitest';
import { drone, near } from '../test-support/fixtures.ts';
import type { Drone } from './model.ts';
import { runSimulator, type SimulatorDeps } from './simulator.ts';

const route = { pickup: near(1), dropoff: near(3), home: near(0) };
const flying = drone('drone-1', { state: 'HeadedToPickup', deliveryId: 'd-1', route });

/** Deps whose clock and remaining time advance only when the simulator sleeps. */
function fakeDeps(drones: Drone[], budgetMs: number, send: SimulatorDeps['sendTelemetry'] = async () => {}) {
  let elapsed = 0;
  const deps: SimulatorDeps = {
    listActiveDrones: vi.fn(async () => drones),
    sendTelemetry: vi.fn(send),
    now: () => new Date(Date.parse('2030-01-01T10:00:00.000Z') + elapsed),
    sleep: vi.fn(async (ms: number) => {
      elapsed += ms;
    }),
    remainingMs: () => budgetMs - elapsed,
  };
  return deps;
}

describe('runSimulator', () => {
  it('ticks until only the margin would be left', async () => {
    const deps = fakeDeps([flying], 10_000);
    const run = await runSimulator(deps, { tickMs: 1000, speedFactor: 60, marginMs: 5000 });
    expect(run.ticks).toBe(5);
    expect(deps.sleep).toHaveBeenCalledTimes(4);
  });

  it('posts one report per active drone per tick, stamped with the tick time', async () => {
    const deps = fakeDeps([flying, drone('drone-2', { state: 'Assigned', deliveryId: 'd-2', route })], 7000);
    const run = await runSimulator(deps, { tickMs: 1000, speedFactor: 10, marginMs: 5000 });
    expect(run).toEqual({ ticks: 2, reports: 4, failures: 0 });
    expect(deps.sendTelemetry).toHaveBeenCalledWith(
      'drone-1',
      expect.objectContaining({ status: 'HeadedToPickup', recordedAt: '2030-01-01T10:00:00.000Z' }),
    );
  });

  it('advances drones by speed times tick times speed factor', async () => {
    const deps = fakeDeps(
      [drone('drone-1', { state: 'Assigned', deliveryId: 'd-1', route, speedMps: 10 })],
      5500,
    );
    await runSimulator(deps, { tickMs: 500, speedFactor: 20, marginMs: 5000 });
    const report = vi.mocked(deps.sendTelemetry).mock.calls[0]?.[1];
    expect(report?.location.latitude).toBeCloseTo(47.6 + 0.1 / 111.2, 5);
  });

  it('counts a refused report and carries on with the next drone', async () => {
    const deps = fakeDeps(
      [flying, drone('drone-2', { state: 'Assigned', deliveryId: 'd-2', route })],
      6000,
      async (id) => {
        if (id === 'drone-1') throw new Error('503');
      },
    );
    const run = await runSimulator(deps, { tickMs: 1000, speedFactor: 60, marginMs: 5000 });
    expect(run).toEqual({ ticks: 1, reports: 1, failures: 1 });
  });

  it('does nothing when the invocation starts inside the margin', async () => {
    const deps = fakeDeps([flying], 4000);
    const run = await runSimulator(deps, { tickMs: 1000, speedFactor: 60, marginMs: 5000 });
    expect(run.ticks).toBe(0);
    expect(deps.listActiveDrones).not.toHaveBeenCalled();
  });
});
