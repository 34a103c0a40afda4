import { ConflictError, ServiceUnavailableError, UnprocessableError } from '../../../shared/errors.ts';
import {
  AFTER_PICKUP_STATES,
  type Assignment,
  type AssignmentRequest,
  type Drone,
  type Route,
} from './model.ts';
import { canFly, estimateEtas, rankCandidates, sameRequest } from './selection.ts';
import type { DroneStore } from './store-port.ts';

/** What the assignment routes answer. */
export interface AssignmentResult {
  deliveryId: string;
  droneId: string;
  pickupEta: string;
  deliveryEta: string;
}

export interface AssignmentDeps {
  store: DroneStore;
  now: () => Date;
}

// Rounds of read-then-conditional-write before giving up with a retryable 503, and the number
// of candidates tried per round (each lost race moves on to the next best drone).
const MAX_ROUNDS = 4;
const CANDIDATES_PER_ROUND = 3;

function resultOf(assignment: Assignment): AssignmentResult {
  const { deliveryId, droneId, pickupEta, deliveryEta } = assignment;
  return { deliveryId, droneId, pickupEta, deliveryEta };
}

function routeFor(drone: Drone, request: AssignmentRequest): Route {
  return { pickup: request.pickup, dropoff: request.dropoff, home: drone.home };
}

function holds(drone: Drone | undefined, deliveryId: string): drone is Drone {
  return drone !== undefined && drone.deliveryId === deliveryId;
}

function noDrone(): UnprocessableError {
  return new UnprocessableError(
    'No idle drone can carry this package on this route now.',
    'no-drone-available',
  );
}

function inFlight(deliveryId: string): ConflictError {
  return new ConflictError(
    `The drone of delivery ${deliveryId} has already picked up the package.`,
    'drone-in-flight',
  );
}

/**
 * Assigns a drone to a delivery, idempotently: the same request again returns the same drone and
 * ETAs; a changed request updates the route and ETAs, or moves the delivery to another drone when
 * the one it has can no longer fly it. Races are settled by conditional transactions.
 */
export async function assignDrone(
  deps: AssignmentDeps,
  deliveryId: string,
  request: AssignmentRequest,
): Promise<AssignmentResult> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const existing = await deps.store.getAssignment(deliveryId);
    const outcome = existing
      ? await changeAssignment(deps, existing, request)
      : await createAssignment(deps, deliveryId, request);
    if (outcome) return outcome;
  }
  throw new ServiceUnavailableError('The fleet changed too often while assigning; retry.');
}

async function createAssignment(
  deps: AssignmentDeps,
  deliveryId: string,
  request: AssignmentRequest,
): Promise<AssignmentResult | undefined> {
  const candidates = rankCandidates(await deps.store.listDrones(), request);
  if (candidates.length === 0) throw noDrone();
  for (const drone of candidates.slice(0, CANDIDATES_PER_ROUND)) {
    const now = deps.now();
    const assignment: Assignment = {
      deliveryId,
      droneId: drone.droneId,
      ...estimateEtas(drone, request, now),
      request,
      version: 1,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    if (await deps.store.createAssignment(drone, assignment, routeFor(drone, request))) {
      return resultOf(assignment);
    }
    // Lost a race: either the drone was taken (try the next one) or a concurrent call assigned
    // this very delivery (start over to return that assignment).
    if (await deps.store.getAssignment(deliveryId)) return undefined;
  }
  return undefined;
}

async function changeAssignment(
  deps: AssignmentDeps,
  existing: Assignment,
  request: AssignmentRequest,
): Promise<AssignmentResult | undefined> {
  if (sameRequest(existing.request, request)) return resultOf(existing);
  const drone = await deps.store.getDrone(existing.droneId);
  const now = deps.now();
  if (holds(drone, existing.deliveryId)) {
    if (AFTER_PICKUP_STATES.includes(drone.state)) throw inFlight(existing.deliveryId);
    if (canFly(drone, request)) {
      const next: Assignment = {
        ...existing,
        ...estimateEtas(drone, request, now),
        request,
        version: existing.version + 1,
        updatedAt: now.toISOString(),
      };
      return (await deps.store.updateAssignment(existing, next, routeFor(drone, request)))
        ? resultOf(next)
        : undefined;
    }
  }
  const candidates = rankCandidates(await deps.store.listDrones(), request).filter(
    (candidate) => candidate.droneId !== existing.droneId,
  );
  if (candidates.length === 0) throw noDrone();
  for (const candidate of candidates.slice(0, CANDIDATES_PER_ROUND)) {
    const next: Assignment = {
      ...existing,
      droneId: candidate.droneId,
      ...estimateEtas(candidate, request, now),
      request,
      version: existing.version + 1,
      updatedAt: now.toISOString(),
    };
    const moved = await deps.store.moveAssignment(
      existing,
      holds(drone, existing.deliveryId) ? drone : undefined,
      next,
      candidate,
      routeFor(candidate, request),
    );
    if (moved) return resultOf(next);
    const current = await deps.store.getAssignment(existing.deliveryId);
    if (current?.version !== existing.version) return undefined;
  }
  return undefined;
}

/** What the release route answers. */
export interface ReleaseResult {
  deliveryId: string;
  released: boolean;
}

/** Frees the delivery's drone and deletes the assignment; refused once the package is aboard. */
export async function releaseDrone(
  deps: Pick<AssignmentDeps, 'store'>,
  deliveryId: string,
): Promise<ReleaseResult> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const assignment = await deps.store.getAssignment(deliveryId);
    if (!assignment) return { deliveryId, released: false };
    const drone = await deps.store.getDrone(assignment.droneId);
    const held = holds(drone, deliveryId) ? drone : undefined;
    if (held && AFTER_PICKUP_STATES.includes(held.state)) throw inFlight(deliveryId);
    if (await deps.store.deleteAssignment(assignment, held)) return { deliveryId, released: true };
  }
  throw new ServiceUnavailableError('The drone changed too often while releasing; retry.');
}
