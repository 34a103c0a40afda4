import type { Location } from '../../../events/schemas.ts';
import type { PendingEvent } from '../../../shared/outbox.ts';
import type { Assignment, Booking, Drone, DroneProfile, DroneState, Route } from './model.ts';

// The drone table as the logic sees it; adapters/dynamodb-store.ts keeps it in DynamoDB.

/** What a telemetry changes on a drone. */
export interface TelemetryUpdate {
  position: Location;
  batteryPercent: number;
  speedMps: number;
  state: DroneState;
  lastTelemetryAt: string;
  /** Set when the state changed with this telemetry. */
  stateChangedAt?: string;
  /** The drone is home after a delivery: clear its delivery and delete the assignment too. */
  finishDelivery: boolean;
  /** The drone takes off for its booking: it takes the delivery, and the booking is marked flown. */
  takeOff?: { assignment: Assignment; route: Route };
  /** The drone is back on the ground at its base: it is no longer listed as flying. */
  landed?: boolean;
  /** The events this telemetry causes, stored with it (they replace the previous batch). */
  outbox: PendingEvent[];
  /**
   * Marks the batch as not yet published (key and time of the write) so that a later call or the
   * sweeper publishes it if this call does not get to; without it, any earlier mark is removed.
   */
  pending?: { key: string; since: string };
}

/** A drone whose outbox batch is still marked unpublished, as the sweeper's index lists it. */
export interface PendingOutbox {
  droneId: string;
  since: string;
}

/**
 * An entry of the dispatch index's flight partitions: a booking whose departure is due and that the
 * drone has not taken off for yet, or a drone in flight.
 */
export type FlightEntry =
  | { kind: 'departure'; droneId: string; deliveryId: string; at: string }
  | { kind: 'flying'; droneId: string; at: string };

/**
 * A drone flying to the pickup of a delivery whose booking goes away: it turns back home, and is
 * not booked again before `readyAt` (when the booking it flew for would have ended).
 */
export interface Recall {
  /** The drone as read: the recall is refused if it changed. */
  drone: Drone;
  readyAt: string;
}

/** One change of a delivery's booking, written all or nothing. */
export interface BookingChange {
  /** The booked drone's profile as read: the change is refused if its schedule changed since. */
  profile: DroneProfile;
  /** The assignment as it becomes (its booking is derived from it). */
  assignment: Assignment;
  /** The assignment it replaces, as read; its booking is deleted. Absent for a first booking. */
  previous?: Assignment;
  /** The drone that took off for the previous booking, called back. */
  recall?: Recall;
}

/** The end of a delivery's booking. */
export interface ReleaseChange {
  assignment: Assignment;
  recall?: Recall;
}

/**
 * The drone table as the logic sees it. Every write is conditional on what was read; a `false`
 * answer means someone else changed an item in between, and the caller reads again.
 */
export interface DroneStore {
  getDrone(droneId: string): Promise<Drone | undefined>;
  /** Every drone, by a Scan: for tests and operators, never on a request path. */
  listDrones(): Promise<Drone[]>;
  getAssignment(deliveryId: string): Promise<Assignment | undefined>;
  /** A drone's profile, read consistently (after a lost race, when the index may lag). */
  getProfile(droneId: string): Promise<DroneProfile | undefined>;
  /** The profiles of the drones homed in one cell. Read from an index: eventually consistent. */
  listProfilesInCell(cellKey: string): Promise<DroneProfile[]>;
  /** The bookings of a drone departing from `from` to `to` (ISO, inclusive), read consistently. */
  listBookings(droneId: string, from: string, to: string): Promise<Booking[]>;
  /** Books (or re-books) a delivery: the profile's version, the booking and the assignment together. */
  book(change: BookingChange): Promise<boolean>;
  /** Deletes the assignment and its booking, and calls back the drone if it took off for it. */
  release(change: ReleaseChange): Promise<boolean>;
  /** Applies a telemetry and stores the events it causes, on the drone as it was read. */
  applyTelemetry(previous: Drone, update: TelemetryUpdate): Promise<boolean>;
  /** Removes the unpublished mark of the batch `outboxKey` once published (no-op if it is gone). */
  clearOutbox(droneId: string, outboxKey: string): Promise<void>;
  /**
   * Up to `limit` drones of one index shard whose batch is marked unpublished since before
   * `before`, oldest first. Read from an index: eventually consistent, so read the drone again.
   */
  listPendingOutboxes(shard: string, before: string, limit: number): Promise<PendingOutbox[]>;
  /**
   * The entries of one flight shard of the dispatch index up to `before`: due departures and drones
   * in flight. Read from an index: eventually consistent, so read the drone again.
   */
  listFlights(shard: string, before: string): Promise<FlightEntry[]>;
  /**
   * Creates a drone and its profile unless they exist (each on its own: a drone without a profile
   * gets one); true when the drone was created. `readyAt`: not bookable before (still charging).
   */
  putDroneIfAbsent(drone: Drone, readyAt?: string): Promise<boolean>;
}
