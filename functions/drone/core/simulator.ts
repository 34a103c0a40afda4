import { logger } from '../../../shared/observability.ts';
import type { Drone } from './model.ts';
import { type SimulatedReport, stepDrone } from './simulation.ts';

/** Sends one drone's telemetry to the telemetry route. */
export type TelemetrySink = (
  droneId: string,
  report: SimulatedReport & { recordedAt: string },
) => Promise<void>;

export interface SimulatorDeps {
  listActiveDrones: () => Promise<Drone[]>;
  sendTelemetry: TelemetrySink;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** Milliseconds left in this invocation. */
  remainingMs: () => number;
}

export interface SimulatorSettings {
  tickMs: number;
  /** Simulated seconds per real second. */
  speedFactor: number;
  /** Stop when fewer milliseconds than this would be left after the next tick. */
  marginMs: number;
}

export interface SimulatorRun {
  ticks: number;
  reports: number;
  failures: number;
}

/**
 * Flies the active drones tick after tick until the invocation is about to run out of time. It
 * only reads the table; every change goes through the telemetry route, which stores it and
 * publishes the drone events, exactly as a real drone's reports would.
 */
export async function runSimulator(deps: SimulatorDeps, settings: SimulatorSettings): Promise<SimulatorRun> {
  const dtSeconds = (settings.tickMs / 1000) * settings.speedFactor;
  const run: SimulatorRun = { ticks: 0, reports: 0, failures: 0 };
  while (deps.remainingMs() > settings.marginMs) {
    const drones = await deps.listActiveDrones();
    const recordedAt = deps.now().toISOString();
    const results = await Promise.allSettled(
      drones.flatMap((drone) => {
        const report = stepDrone(drone, dtSeconds);
        return report ? [deps.sendTelemetry(drone.droneId, { ...report, recordedAt })] : [];
      }),
    );
    for (const result of results) {
      if (result.status === 'fulfilled') {
        run.reports++;
      } else {
        // The drone stays where the table says; the next tick steps it again from there.
        run.failures++;
        logger.warn('simulated telemetry was not accepted', { error: result.reason as Error });
      }
    }
    run.ticks++;
    if (deps.remainingMs() - settings.tickMs <= settings.marginMs) break;
    await deps.sleep(settings.tickMs);
  }
  return run;
}
