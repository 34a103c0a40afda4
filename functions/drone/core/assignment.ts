import { ConflictError, ServiceUnavailableError, UnprocessableError } from '../../../shared/errors.ts';
import { cellsAround } from './cells.ts';
import {
  AFTER_PICKUP_STATES,
  type Assignment,
  type AssignmentRequest,
  BEFORE_PICKUP_STATES,
  type Booking,
  type DroneProfile,
} from './model.ts';
import {
  candidateScore,
  type Flight,
  findWindow,
  flightFor,
  idealDeparture,
  latestDeparture,
  MAX_WINDOW_MS,
  sameRequest,
  type TimeWindow,
} from './selection.ts';
import type { DroneStore, Recall } from './store.ts';

// How a delivery gets a drone (docs/architecture.md, "Drones are booked in time"): the assignment
// holds a capable drone for the flight's window only, from leaving home for the pickup to being
// back and recharged, so deliveries at other times share the drone.
//
// Finding it reads the fleet near the pickup only: the cells around the pickup, nearest first,
// through the profiles' cell index, and the bookings of a candidate only when it is its turn. A
// candidate is read once no unread drone can be nearer than it (every unread cell is further
// away), so the first candidate free at the asked time is the nearest free one. When none is free
// then, the earliest later window that still meets the deadline is booked. A booking is written
// in one transaction with the version of the drone's profile it was planned under: two bookings
// of one drone never overlap, whatever runs at the same time.

/** What the assignment routes answer: the booked window. */
export interface AssignmentResult {
  deliveryId: string;
  droneId: string;
  pickupEta: string;
  deliveryEta: string;
  departAt: string;
  freeAt: string;
}

export interface AssignmentDeps {
  store: DroneStore;
  now: () => Date;
  /** How many times faster than nominal the drones really fly (the dev stages' simulator); 1 otherwise. */
  timeScale?: number;
}

/** Drones homed further than this from the pickup are not looked for. */
export const SEARCH_RADIUS_M = 12_000;
/**
 * At most this many candidates' schedules are read for one attempt, so its cost stays bounded: when
 * the 24 nearest capable drones are all booked up to the deadline, the request waits (retryAt)
 * rather than reading further.
 */
export const MAX_CANDIDATES_READ = 24;
// Rounds of read-then-conditional-write before giving up with a retryable 503.
const MAX_ROUNDS = 4;
/**
 * A booking's rounds: requests for the same place and time all want the nearest free drone, and of
 * n at once one wins each round, so the last needs n rounds. A round after the first reads only the
 * drone it lost on (SearchReads), a few calls, so ten stay well within the caller's timeout; with
 * four, a burst at 5 deliveries a second (npm run load) ended about one call in four in a 503.
 */
const MAX_BOOKING_ROUNDS = 10;
/**
 * Once the nearest cell or the best candidate did not do, the next few cells (and candidates'
 * schedules) are read at once instead of one after another: a search of a busy fleet reads dozens
 * of cells and schedules, and one at a time they made an assignment take seconds under load
 * (beyond its caller's timeout). The first read stays alone, so a request the nearest drone serves
 * reads no more than before; a search that ends reads at most this many, less one, in vain.
 */
const READ_AHEAD = 4;

/**
 * The fleet reads of one assignment, kept across its rounds: after a lost race only the drone the
 * race was lost on is read again (its profile consistently, then its schedule), not every cell and
 * schedule of the search again. A drone's schedule is reused only under the profile version it was
 * read with (every booking of the drone writes it); whatever else changed meanwhile is caught by
 * the booking's condition on that version. Listing the cells anew each round was measured: more
 * reads per round made the rounds slower and the races more frequent (npm run load, 5/s).
 */
interface SearchReads {
  listProfilesInCell(cellKey: string): Promise<DroneProfile[]>;
  listBookings(profile: DroneProfile, from: string, to: string): Promise<Booking[]>;
  /** Starts a read for later, without waiting for it (its failure surfaces when it is used). */
  prefetch(read: () => Promise<unknown>): void;
  /** A new round after a race lost on `droneId`: that drone's schedule is read again. */
  lostOn(droneId: string): void;
}

function searchReads(store: DroneStore): SearchReads {
  const cells = new Map<string, Promise<DroneProfile[]>>();
  // Per drone, the range read and the profile version it was read under: a later round asks from a
  // later `now`, within that range.
  const schedules = new Map<
    string,
    { version: number; from: string; to: string; bookings: Promise<Booking[]> }
  >();
  return {
    listProfilesInCell(cellKey) {
      let listed = cells.get(cellKey);
      if (!listed) {
        listed = store.listProfilesInCell(cellKey);
        cells.set(cellKey, listed);
      }
      return listed;
    },
    async listBookings(profile, from, to) {
      const known = schedules.get(profile.droneId);
      if (known && known.version === profile.version && known.from <= from && known.to >= to) {
        const bookings = await known.bookings;
        return bookings.filter((booking) => booking.departAt >= from && booking.departAt <= to);
      }
      const bookings = store.listBookings(profile.droneId, from, to);
      schedules.set(profile.droneId, { version: profile.version, from, to, bookings });
      return bookings;
    },
    prefetch: (read) => void read().catch(() => {}),
    lostOn(droneId) {
      schedules.delete(droneId);
    },
  };
}

function resultOf(assignment: Assignment): AssignmentResult {
  const { deliveryId, droneId, pickupEta, deliveryEta, departAt, freeAt } = assignment;
  return { deliveryId, droneId, pickupEta, deliveryEta, departAt, freeAt };
}

const iso = (ms: number) => new Date(ms).toISOString();

function flown(deliveryId: string): ConflictError {
  return new ConflictError(
    `The drone of delivery ${deliveryId} has already delivered it.`,
    'drone-in-flight',
  );
}

function inFlight(deliveryId: string): ConflictError {
  return new ConflictError(
    `The drone of delivery ${deliveryId} has already picked up the package.`,
    'drone-in-flight',
  );
}

/** Why no drone was booked, and what the caller may wait for. */
export interface Refusal {
  detail: string;
  /** The earliest end of a booking that stood in the way of a capable drone near the pickup. */
  retryAt?: number;
  /** The latest departure from which a capable drone near the pickup still meets the deadline. */
  latestDeparture?: number;
}

function noDrone(refusal: Refusal): UnprocessableError {
  return new UnprocessableError(refusal.detail, 'no-drone-available', {
    ...(refusal.retryAt === undefined ? {} : { retryAt: iso(refusal.retryAt) }),
    ...(refusal.latestDeparture === undefined ? {} : { latestDeparture: iso(refusal.latestDeparture) }),
  });
}

/** A drone and the window it can be booked for. */
export interface Choice {
  profile: DroneProfile;
  window: TimeWindow;
}

interface Candidate {
  profile: DroneProfile;
  flight: Flight;
  score: number;
}

/**
 * Books a drone for a delivery, idempotently: the same request again answers the same booking; a
 * changed request books anew and gives up the old booking in the same transaction, so a refusal
 * leaves the old booking as it was. Refused with 409 once the package is aboard.
 */
export async function assignDrone(
  deps: AssignmentDeps,
  deliveryId: string,
  request: AssignmentRequest,
): Promise<AssignmentResult> {
  // Profiles read consistently after a lost race: the cell index may not show the winner's write yet.
  const fresh = new Map<string, DroneProfile>();
  const reads = searchReads(deps.store);
  for (let round = 0; round < MAX_BOOKING_ROUNDS; round++) {
    const existing = await deps.store.getAssignment(deliveryId);
    if (existing && sameRequest(existing.request, request)) return resultOf(existing);
    if (existing?.finishedAt !== undefined) throw flown(deliveryId);
    const recall = existing ? await recallFor(deps.store, existing) : undefined;
    const choice = await chooseDrone(deps, deliveryId, request, {
      // A drone called back from this delivery's flight is not home before its old window ends.
      keepOwnBooking: recall !== undefined,
      fresh,
      reads,
    });
    if (!('window' in choice)) throw noDrone(choice);
    const now = deps.now().toISOString();
    const assignment: Assignment = {
      deliveryId,
      droneId: choice.profile.droneId,
      departAt: iso(choice.window.departAt),
      pickupEta: iso(choice.window.pickupEta),
      deliveryEta: iso(choice.window.deliveryEta),
      freeAt: iso(choice.window.freeAt),
      request,
      version: (existing?.version ?? 0) + 1,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    const booked = await deps.store.book({
      profile: choice.profile,
      assignment,
      ...(existing ? { previous: existing } : {}),
      ...(recall ? { recall } : {}),
    });
    if (booked) return resultOf(assignment);
    reads.lostOn(choice.profile.droneId);
    const profile = await deps.store.getProfile(choice.profile.droneId);
    if (profile) fresh.set(profile.droneId, profile);
  }
  throw new ServiceUnavailableError('The fleet changed too often while booking; retry.');
}

/**
 * The recall a change of the delivery's booking implies: none while its drone has not taken off
 * for it; the drone turns back if it is on its way to the pickup; refused once the package is aboard.
 */
async function recallFor(store: DroneStore, assignment: Assignment): Promise<Recall | undefined> {
  const drone = await store.getDrone(assignment.droneId);
  if (drone?.deliveryId !== assignment.deliveryId) return undefined;
  if (AFTER_PICKUP_STATES.includes(drone.state)) throw inFlight(assignment.deliveryId);
  if (!BEFORE_PICKUP_STATES.includes(drone.state)) return undefined;
  return { drone, readyAt: assignment.freeAt };
}

/**
 * The drone to book and its window, or why there is none. Reads the cells around the pickup
 * nearest first and, once no unread drone can be nearer, the schedules of the capable drones in
 * order of their score, until one is free at the asked time (at most MAX_CANDIDATES_READ).
 * Otherwise the earliest delivery among the later windows found.
 */
async function chooseDrone(
  deps: AssignmentDeps,
  deliveryId: string,
  request: AssignmentRequest,
  options: {
    keepOwnBooking: boolean;
    fresh: ReadonlyMap<string, DroneProfile>;
    /** The reads of earlier rounds of the same assignment. */
    reads: SearchReads;
  },
): Promise<Choice | Refusal> {
  const { reads } = options;
  const now = deps.now().getTime();
  const timeScale = deps.timeScale ?? 1;
  const cells = cellsAround(request.pickup, SEARCH_RADIUS_M);
  const seen = new Set<string>();
  let waiting: Candidate[] = [];
  let read = 0;
  let later: (Choice & { score: number }) | undefined;
  let retryAt: number | undefined;
  let latest: number | undefined;
  let capable = false;

  for (const [index, cell] of cells.entries()) {
    const listing = reads.listProfilesInCell(cell.key);
    if (index > 0) {
      for (const ahead of cells.slice(index + 1, index + READ_AHEAD)) {
        reads.prefetch(() => reads.listProfilesInCell(ahead.key));
      }
    }
    for (const listed of await listing) {
      if (seen.has(listed.droneId)) continue;
      seen.add(listed.droneId);
      const known = options.fresh.get(listed.droneId);
      const profile = known && known.version >= listed.version ? known : listed;
      const flight = flightFor(profile, request, timeScale);
      if (!flight) continue;
      capable = true;
      // A drone that cannot meet the deadline even if it left at once is not worth reading.
      if (latestDeparture(flight, request) < idealDeparture(flight, request, now)) continue;
      latest = Math.max(latest ?? Number.NEGATIVE_INFINITY, latestDeparture(flight, request));
      waiting.push({ profile, flight, score: candidateScore(flight, request) });
    }
    const frontier = cells[index + 1]?.distanceM ?? Number.POSITIVE_INFINITY;
    const settled = waiting
      .filter((candidate) => candidate.flight.toPickupM <= frontier)
      .sort((a, b) => a.score - b.score || a.profile.droneId.localeCompare(b.profile.droneId));
    waiting = waiting.filter((candidate) => candidate.flight.toPickupM > frontier);
    for (const [position, candidate] of settled.entries()) {
      if (read >= MAX_CANDIDATES_READ) break;
      if (position > 0) {
        // The best candidate of this cell was not free: the next ones' schedules are read at once.
        const budget = Math.min(READ_AHEAD, MAX_CANDIDATES_READ - read);
        for (const next of settled.slice(position, position + budget)) {
          reads.prefetch(() => readSchedule(reads, next, request, now));
        }
      }
      read++;
      const search = await searchSchedule(reads, candidate, deliveryId, request, now, options);
      if (search.window && search.onTime) return { profile: candidate.profile, window: search.window };
      if (search.window) {
        const better =
          later === undefined ||
          search.window.deliveryEta < later.window.deliveryEta ||
          (search.window.deliveryEta === later.window.deliveryEta && candidate.score < later.score);
        if (better) later = { profile: candidate.profile, window: search.window, score: candidate.score };
      } else if (search.blockedUntil !== undefined) {
        retryAt = Math.min(retryAt ?? Number.POSITIVE_INFINITY, search.blockedUntil);
      }
    }
    if (read >= MAX_CANDIDATES_READ) break;
  }
  if (later) return { profile: later.profile, window: later.window };
  const within = `within ${SEARCH_RADIUS_M / 1000} km of the pickup`;
  if (!capable) return { detail: `No drone ${within} can carry this package on this route.` };
  // Waiting cannot help: no latestDeparture.
  if (latest === undefined) return { detail: `No drone ${within} can drop the package by the deadline.` };
  return {
    detail: `Every drone ${within} able to fly this delivery is booked for the time it needs.`,
    ...(retryAt === undefined ? {} : { retryAt }),
    latestDeparture: latest,
  };
}

/** One candidate's bookings around the time the delivery needs it. */
function readSchedule(reads: SearchReads, candidate: Candidate, request: AssignmentRequest, now: number) {
  const { profile, flight } = candidate;
  const from = idealDeparture(flight, request, now) - MAX_WINDOW_MS;
  const to = latestDeparture(flight, request) + flight.durationMs;
  return reads.listBookings(profile, iso(from), iso(to));
}

/** Reads one candidate's bookings around the time the delivery needs it and looks for a window. */
async function searchSchedule(
  reads: SearchReads,
  candidate: Candidate,
  deliveryId: string,
  request: AssignmentRequest,
  now: number,
  options: { keepOwnBooking?: boolean },
) {
  const { profile, flight } = candidate;
  const bookings = await readSchedule(reads, candidate, request, now);
  // The delivery's own booking is what a re-booking replaces, unless its drone is on the way.
  const holds = bookings
    .filter((booking) => options.keepOwnBooking || booking.deliveryId !== deliveryId)
    .map((booking) => ({ departAt: Date.parse(booking.departAt), freeAt: Date.parse(booking.freeAt) }));
  const readyAt = profile.readyAt === undefined ? undefined : Date.parse(profile.readyAt);
  return findWindow(flight, request, now, readyAt, holds);
}

/** What the release route answers. */
export interface ReleaseResult {
  deliveryId: string;
  released: boolean;
}

/**
 * Gives up the delivery's booking (idempotent). A drone already on its way to the pickup turns
 * back; refused once the package is aboard.
 */
export async function releaseDrone(
  deps: Pick<AssignmentDeps, 'store'>,
  deliveryId: string,
): Promise<ReleaseResult> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const assignment = await deps.store.getAssignment(deliveryId);
    // A finished flight holds nothing: its booking ends with its window, its assignment is a record.
    if (!assignment || assignment.finishedAt !== undefined) return { deliveryId, released: false };
    const recall = await recallFor(deps.store, assignment);
    if (await deps.store.release({ assignment, ...(recall ? { recall } : {}) })) {
      return { deliveryId, released: true };
    }
  }
  throw new ServiceUnavailableError('The drone changed too often while releasing; retry.');
}
