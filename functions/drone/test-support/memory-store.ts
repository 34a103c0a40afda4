import { outboxIndexKey } from '../../../shared/outbox.ts';
import { cellKey, cellOf } from '../core/cells.ts';
import { bookingSk, flightShard } from '../core/keys.ts';
import { type Assignment, type Booking, bookingOf, type Drone, type DroneProfile } from '../core/model.ts';
import type { DroneStore, FlightEntry, PendingOutbox, Recall } from '../core/store.ts';

// The drone table in memory, with the conditions of adapters/dynamodb-store.ts: every write checks
// what it was read against and answers false when it lost. The current speed a report carries is not kept:
// the table has it, but the drone record does not read it. Unit tests of the logic run on it; the DynamoDB
// adapter itself is tested against DynamoDB Local (*.int.test.ts).

const copy = <T>(value: T): T => structuredClone(value);

/** A booking as the memory table keeps it: with the take-off time and whether it is a due departure. */
interface StoredBooking extends Booking {
  due: boolean;
}

/** An in-memory DroneStore; `drones`, `profiles`, `assignments` and `bookings` are open for the tests to look at. */
export function createMemoryDroneStore(initial: Drone[] = []) {
  const drones = new Map(initial.map((drone) => [drone.droneId, copy(drone)]));
  const profiles = new Map<string, DroneProfile>(initial.map((drone) => [drone.droneId, profileOf(drone)]));
  const assignments = new Map<string, Assignment>();
  /** Per drone, by sort key (`BOOKING#<departAt>#<deliveryId>`). */
  const bookings = new Map<string, Map<string, StoredBooking>>();
  /** Drones listed as flying, with the time they took off. */
  const flying = new Map<string, string>();
  /** The cells and the schedules the logic read, in order, for tests of what an assignment reads. */
  const reads = { cells: [] as string[], schedules: [] as string[] };

  const scheduleOf = (droneId: string) => {
    let schedule = bookings.get(droneId);
    if (!schedule) {
      schedule = new Map();
      bookings.set(droneId, schedule);
    }
    return schedule;
  };
  const skOf = (booking: Pick<Booking, 'departAt' | 'deliveryId'>) =>
    bookingSk(booking.departAt, booking.deliveryId);
  const versionIs = (deliveryId: string, version: number | undefined) =>
    assignments.get(deliveryId)?.version === version;
  const recallHolds = (recall: Recall, deliveryId: string) => {
    const stored = drones.get(recall.drone.droneId);
    return stored?.deliveryId === deliveryId && stored.state === recall.drone.state;
  };
  const applyRecall = (recall: Recall) => {
    const stored = drones.get(recall.drone.droneId)!;
    const { deliveryId: _delivery, ...rest } = stored;
    if (stored.state === 'Assigned') {
      const { route: _route, ...atBase } = rest;
      drones.set(stored.droneId, { ...atBase, state: 'Idle' });
      flying.delete(stored.droneId);
    } else {
      drones.set(stored.droneId, { ...rest, state: 'Returning' });
    }
    const profile = profiles.get(stored.droneId)!;
    profiles.set(stored.droneId, { ...profile, readyAt: recall.readyAt, version: profile.version + 1 });
  };

  const store: DroneStore = {
    async getDrone(droneId) {
      const stored = drones.get(droneId);
      return stored && copy(stored);
    },

    async listDrones() {
      return [...drones.values()].map(copy);
    },

    async getAssignment(deliveryId) {
      const stored = assignments.get(deliveryId);
      return stored && copy(stored);
    },

    async getProfile(droneId) {
      const stored = profiles.get(droneId);
      return stored && copy(stored);
    },

    async listProfilesInCell(key) {
      reads.cells.push(key);
      return [...profiles.values()].filter((profile) => cellKey(cellOf(profile.home)) === key).map(copy);
    },

    async listBookings(droneId, from, to) {
      reads.schedules.push(droneId);
      return [...(bookings.get(droneId)?.values() ?? [])]
        .filter((booking) => booking.departAt >= from && booking.departAt <= to)
        .sort((a, b) => skOf(a).localeCompare(skOf(b)))
        .map(({ due: _due, ...booking }) => copy(booking));
    },

    async book({ profile, assignment, previous, recall }) {
      const stored = profiles.get(profile.droneId);
      if (stored?.version !== profile.version) return false;
      if (!versionIs(assignment.deliveryId, previous?.version)) return false;
      const booking = bookingOf(assignment);
      const schedule = scheduleOf(booking.droneId);
      const sameKey =
        previous !== undefined && previous.droneId === booking.droneId && skOf(previous) === skOf(booking);
      const existing = schedule.get(skOf(booking));
      if (sameKey ? existing?.tookOffAt !== undefined : existing !== undefined) return false;
      if (previous && !sameKey && !recall && bookings.get(previous.droneId)?.get(skOf(previous))?.tookOffAt) {
        return false;
      }
      if (recall && !recallHolds(recall, assignment.deliveryId)) return false;
      if (previous && !sameKey) bookings.get(previous.droneId)?.delete(skOf(previous));
      if (recall) applyRecall(recall);
      const current = profiles.get(profile.droneId)!;
      profiles.set(profile.droneId, { ...current, version: profile.version + 1 });
      schedule.set(skOf(booking), { ...copy(booking), due: true });
      assignments.set(assignment.deliveryId, copy(assignment));
      return true;
    },

    async release({ assignment, recall }) {
      if (!versionIs(assignment.deliveryId, assignment.version)) return false;
      const booking = bookings.get(assignment.droneId)?.get(skOf(assignment));
      if (!recall && booking?.tookOffAt !== undefined) return false;
      if (recall && !recallHolds(recall, assignment.deliveryId)) return false;
      bookings.get(assignment.droneId)?.delete(skOf(assignment));
      if (recall) applyRecall(recall);
      assignments.delete(assignment.deliveryId);
      return true;
    },

    async applyTelemetry(previous, update) {
      const stored = drones.get(previous.droneId);
      if (
        !stored ||
        stored.state !== previous.state ||
        stored.lastTelemetryAt !== previous.lastTelemetryAt ||
        stored.deliveryId !== previous.deliveryId
      ) {
        return false;
      }
      const { takeOff } = update;
      const booked = takeOff && bookings.get(previous.droneId)?.get(skOf(takeOff.assignment));
      if (takeOff && (booked === undefined || booked.tookOffAt !== undefined)) return false;
      const finishing = update.finishDelivery && previous.deliveryId !== undefined;
      if (finishing && previous.deliveryId !== undefined) {
        const held = assignments.get(previous.deliveryId);
        if (held && held.droneId !== previous.droneId) return false;
        if (held) assignments.set(previous.deliveryId, { ...held, finishedAt: update.lastTelemetryAt });
      }
      const { outboxKey: _key, outboxSince: _since, ...rest } = stored;
      const next: Drone = {
        ...rest,
        position: update.position,
        batteryPercent: update.batteryPercent,
        state: update.state,
        lastTelemetryAt: update.lastTelemetryAt,
        ...(update.stateChangedAt === undefined ? {} : { stateChangedAt: update.stateChangedAt }),
        outbox: copy(update.outbox),
        ...(update.pending ? { outboxKey: update.pending.key, outboxSince: update.pending.since } : {}),
      };
      if (takeOff && booked) {
        next.deliveryId = takeOff.assignment.deliveryId;
        next.route = copy(takeOff.route);
        booked.tookOffAt = update.lastTelemetryAt;
        booked.due = false;
        flying.set(previous.droneId, update.lastTelemetryAt);
      }
      if (finishing) delete next.deliveryId;
      if (finishing || update.landed) {
        delete next.route;
        flying.delete(previous.droneId);
      }
      drones.set(previous.droneId, next);
      return true;
    },

    async clearOutbox(droneId, outboxKey) {
      const stored = drones.get(droneId);
      if (stored?.outboxKey !== outboxKey) return;
      const { outboxKey: _key, outboxSince: _since, ...rest } = stored;
      drones.set(droneId, rest);
    },

    async listPendingOutboxes(shard, before, limit) {
      const listed: PendingOutbox[] = [];
      for (const drone of drones.values()) {
        if (drone.outboxSince === undefined || drone.outboxSince >= before) continue;
        if (outboxIndexKey(`DRONE#${drone.droneId}`, drone.outboxSince).outboxShard !== shard) continue;
        listed.push({ droneId: drone.droneId, since: drone.outboxSince });
      }
      return listed.sort((a, b) => a.since.localeCompare(b.since)).slice(0, limit);
    },

    async listFlights(shard, before) {
      const entries: FlightEntry[] = [];
      for (const [droneId, at] of flying) {
        if (flightShard(droneId) === shard && at <= before) entries.push({ kind: 'flying', droneId, at });
      }
      for (const [droneId, schedule] of bookings) {
        if (flightShard(droneId) !== shard) continue;
        for (const booking of schedule.values()) {
          if (booking.due && booking.departAt <= before) {
            entries.push({
              kind: 'departure',
              droneId,
              deliveryId: booking.deliveryId,
              at: booking.departAt,
            });
          }
        }
      }
      return entries.sort((a, b) => a.at.localeCompare(b.at));
    },

    async putDroneIfAbsent(drone, readyAt) {
      if (!profiles.has(drone.droneId)) {
        profiles.set(drone.droneId, { ...profileOf(drone), ...(readyAt === undefined ? {} : { readyAt }) });
      }
      if (drones.has(drone.droneId)) return false;
      drones.set(drone.droneId, copy(drone));
      return true;
    },
  };
  return { store, drones, profiles, assignments, bookings, flying, reads };
}

function profileOf(drone: Drone): DroneProfile {
  return {
    droneId: drone.droneId,
    home: copy(drone.home),
    speedMps: drone.speedMps,
    payloadLimitKg: drone.payloadLimitKg,
    version: 0,
  };
}
