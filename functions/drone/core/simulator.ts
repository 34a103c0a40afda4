import { logger } from '../../../shared/observability.ts';
import { flightShards } from './keys.ts';
import { type Drone, RESTING_STATES } from './model.ts';
import { type SimulatedReport, stepDrone, takeOffReport } from './simulation.ts';
import type { DroneStore, FlightEntry } from './store.ts';

/** Sends one drone's telemetry to the telemetry route. */
export type TelemetrySink = (
  droneId: string,
  report: SimulatedReport & { recordedAt: string },
) => Promise<void>;

/** What the simulator has to fly at one tick. */
export interface FlightWork {
  /** Drones in the air, as they are now. */
  flying: Drone[];
  /** Drones resting at their base whose booked departure is due, with the delivery they leave for. */
  departures: Array<{ drone: Drone; deliveryId: string }>;
}

export interface SimulatorDeps {
  listWork: (now: Date) => Promise<FlightWork>;
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
  /** Reports accepted, take-offs included. */
  reports: number;
  takeOffs: number;
  failures: number;
}

/**
 * The simulator's work at `now`, from the sparse flights index (never a Scan of the fleet): the
 * drones in flight, and the due departures of drones resting at their base (a drone still out on
 * its previous flight leaves once it is back). The index lags the table, so each drone is read again.
 */
export async function listFlightWork(
  store: Pick<DroneStore, 'listFlights' | 'getDrone'>,
  now: Date,
): Promise<FlightWork> {
  const before = now.toISOString();
  const entries = (await Promise.all(flightShards().map((shard) => store.listFlights(shard, before)))).flat();
  const flyingIds = new Set(entries.filter((entry) => entry.kind === 'flying').map((entry) => entry.droneId));
  // One departure per drone at a time: its earliest due booking.
  const due = new Map<string, string>();
  const departures = entries
    .filter((entry): entry is Extract<FlightEntry, { kind: 'departure' }> => entry.kind === 'departure')
    .sort((a, b) => a.at.localeCompare(b.at));
  for (const entry of departures) if (!due.has(entry.droneId)) due.set(entry.droneId, entry.deliveryId);
  const ids = [...new Set([...flyingIds, ...due.keys()])];
  const drones = new Map(await Promise.all(ids.map(async (id) => [id, await store.getDrone(id)] as const)));
  const resting = (drone: Drone) => RESTING_STATES.includes(drone.state) && drone.deliveryId === undefined;
  return {
    flying: [...flyingIds].flatMap((id) => {
      const drone = drones.get(id);
      return drone && !RESTING_STATES.includes(drone.state) ? [drone] : [];
    }),
    departures: [...due].flatMap(([id, deliveryId]) => {
      const drone = drones.get(id);
      return drone && resting(drone) ? [{ drone, deliveryId }] : [];
    }),
  };
}

/**
 * Flies the drones tick after tick until the invocation is about to run out of time: steps those in
 * flight and takes off those whose booked departure is due. It only reads the table; every change
 * goes through the telemetry route, which stores it and publishes the drone events, exactly as a
 * real drone's reports would.
 */
export async function runSimulator(deps: SimulatorDeps, settings: SimulatorSettings): Promise<SimulatorRun> {
  const dtSeconds = (settings.tickMs / 1000) * settings.speedFactor;
  const run: SimulatorRun = { ticks: 0, reports: 0, takeOffs: 0, failures: 0 };
  while (deps.remainingMs() > settings.marginMs) {
    const work = await deps.listWork(deps.now());
    const recordedAt = deps.now().toISOString();
    const send = (droneId: string, report: SimulatedReport) =>
      deps.sendTelemetry(droneId, { ...report, recordedAt });
    const [steps, takeOffs] = await Promise.all([
      Promise.allSettled(
        work.flying.flatMap((drone) => {
          const report = stepDrone(drone, dtSeconds);
          return report ? [send(drone.droneId, report)] : [];
        }),
      ),
      Promise.allSettled(
        work.departures.map(({ drone, deliveryId }) => send(drone.droneId, takeOffReport(drone, deliveryId))),
      ),
    ]);
    for (const [index, result] of [...steps, ...takeOffs].entries()) {
      if (result.status === 'fulfilled') {
        run.reports++;
        if (index >= steps.length) run.takeOffs++;
      } else {
        // The drone stays where the table says; the next tick steps it (or takes it off) again.
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
