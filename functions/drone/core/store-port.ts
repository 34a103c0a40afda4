import type { Location } from '../../../events/schemas.ts';
import type { Assignment, Drone, DroneState, Route } from './model.ts';

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
}

/**
 * The drone table as the logic sees it. Every write is conditional on what was read; a `false`
 * answer means someone else changed an item in between, and the caller reads again.
 */
export interface DroneStore {
  getDrone(droneId: string): Promise<Drone | undefined>;
  listDrones(): Promise<Drone[]>;
  /** Drones with something to do (neither Idle nor Charging). */
  listActiveDrones(): Promise<Drone[]>;
  getAssignment(deliveryId: string): Promise<Assignment | undefined>;
  /** Claims an Idle drone and creates the assignment, both or neither. */
  createAssignment(drone: Drone, assignment: Assignment, route: Route): Promise<boolean>;
  /** Changes the route of the drone holding the assignment (still before pickup) and the assignment. */
  updateAssignment(previous: Assignment, next: Assignment, route: Route): Promise<boolean>;
  /** Moves an assignment to another Idle drone, freeing the old one if it still holds the delivery. */
  moveAssignment(
    previous: Assignment,
    oldDrone: Drone | undefined,
    next: Assignment,
    newDrone: Drone,
    route: Route,
  ): Promise<boolean>;
  /** Deletes the assignment and frees its drone if it still holds the delivery before pickup. */
  deleteAssignment(assignment: Assignment, drone: Drone | undefined): Promise<boolean>;
  /** Applies a telemetry to the drone as it was read. */
  applyTelemetry(previous: Drone, update: TelemetryUpdate): Promise<boolean>;
  /** Creates a drone unless it exists; true when created. */
  putDroneIfAbsent(drone: Drone): Promise<boolean>;
}
