// @ts-check
// What the console knows of deliveries and drones, built from the bus's events as they stream in
// (docs/architecture.md §4) and from the public API's status bodies (§3), which also tell what no
// event carries: a request still waiting for a drone. Views subscribe and redraw on each change.

export const STAGES = [
  'Requested',
  'Scheduled',
  'Rescheduled',
  'InTransit',
  'Completed',
  'Cancelled',
  'Failed',
];

// Events can come late or twice (at-least-once delivery, replays): a stage never goes back.
const RANK = /** @type {Record<string, number>} */ ({
  Requested: 0,
  Scheduled: 1,
  Rescheduled: 1,
  InTransit: 2,
  Completed: 3,
  Cancelled: 3,
  Failed: 3,
});

const DELIVERIES = 'drone-delivery.deliveries';
const DRONES = 'drone-delivery.drones';
const MAX_TRACK = 500;

/**
 * @typedef {{ latitude: number, longitude: number, altitude?: number }} Location
 * @typedef {{
 *   deliveryId: string, accountId?: string, stage: string, droneId?: string, pickup?: Location,
 *   dropoff?: Location, pickupTime?: string, deadline?: string, pickupEta?: string, deliveryEta?: string,
 *   waiting?: { for: string, until: string }, failureReason?: string, lastKnownLocation?: Location,
 *   track: Location[], createdAt: string, updatedAt: string, eventIds: string[],
 * }} Delivery
 * @typedef {{
 *   droneId: string, location?: Location, status?: string, batteryPercent?: number, speedMps?: number,
 *   deliveryId?: string, updatedAt: string, moves: number,
 * }} Drone
 */

/** @param {unknown} value @returns {value is Location} */
function isLocation(value) {
  const location = /** @type {Location | undefined} */ (value);
  return typeof location?.latitude === 'number' && typeof location.longitude === 'number';
}

/** The model: deliveries and drones by id, with change listeners. */
export function createModel() {
  /** @type {Map<string, Delivery>} */
  const deliveries = new Map();
  /** @type {Map<string, Drone>} */
  const drones = new Map();
  /** @type {Set<() => void>} */
  const listeners = new Set();
  /** @type {Set<string>} */
  const accounts = new Set();

  const changed = () => {
    for (const listener of listeners) listener();
  };

  /** @param {string} deliveryId */
  const deliveryOf = (deliveryId) => {
    let delivery = deliveries.get(deliveryId);
    if (!delivery) {
      const now = new Date().toISOString();
      delivery = { deliveryId, stage: 'Requested', track: [], createdAt: now, updatedAt: now, eventIds: [] };
      deliveries.set(deliveryId, delivery);
    }
    return delivery;
  };

  /** @param {Delivery} delivery @param {string} stage */
  const moveTo = (delivery, stage) => {
    if ((RANK[stage] ?? 0) >= (RANK[delivery.stage] ?? 0)) delivery.stage = stage;
    if (stage !== 'Requested') delete delivery.waiting;
  };

  /** @param {Delivery} delivery @param {Record<string, any>} data */
  const takePlan = (delivery, data) => {
    for (const field of [
      'pickupTime',
      'deadline',
      'pickupEta',
      'deliveryEta',
      'droneId',
      'failureReason',
      'createdAt',
    ]) {
      if (typeof data[field] === 'string') /** @type {any} */ (delivery)[field] = data[field];
    }
    for (const field of ['pickup', 'dropoff', 'lastKnownLocation']) {
      if (isLocation(data[field])) /** @type {any} */ (delivery)[field] = data[field];
    }
    if (typeof data.accountId === 'string') {
      delivery.accountId = data.accountId;
      accounts.add(data.accountId);
    }
  };

  /**
   * Applies one bus event from the activity stream; true when it was about a delivery or drone.
   * @param {{ source: string, detailType: string, detail: any, eventId: string, seenAt?: string }} event
   */
  function applyEvent(event) {
    const detail = event.detail ?? {};
    if (event.source === DELIVERIES && typeof detail.deliveryId === 'string') {
      const delivery = deliveryOf(detail.deliveryId);
      takePlan(delivery, detail);
      const stages = /** @type {Record<string, string>} */ ({
        DeliveryCreated: 'Scheduled',
        DeliveryRescheduled: 'Rescheduled',
        DeliveryInTransit: 'InTransit',
        DeliveryCompleted: 'Completed',
        DeliveryCancelled: 'Cancelled',
        DeliveryFailed: 'Failed',
      });
      const stage = stages[event.detailType];
      if (stage) moveTo(delivery, stage);
      if (event.detailType === 'DeliveryFailed' && typeof detail.reason === 'string') {
        delivery.failureReason = detail.reason;
      }
      if (isLocation(detail.location)) delivery.lastKnownLocation = detail.location;
      delivery.eventIds.push(event.eventId);
      delivery.updatedAt = event.seenAt ?? new Date().toISOString();
      changed();
      return true;
    }
    if (event.source === DRONES && typeof detail.droneId === 'string') {
      let drone = drones.get(detail.droneId);
      if (!drone) {
        drone = { droneId: detail.droneId, updatedAt: '', moves: 0 };
        drones.set(detail.droneId, drone);
      }
      if (isLocation(detail.location)) {
        const before = drone.location;
        if (
          before &&
          (before.latitude !== detail.location.latitude || before.longitude !== detail.location.longitude)
        ) {
          drone.moves += 1;
        }
        drone.location = detail.location;
      }
      if (typeof detail.status === 'string') drone.status = detail.status;
      if (typeof detail.batteryPercent === 'number') drone.batteryPercent = detail.batteryPercent;
      if (typeof detail.speedMps === 'number') drone.speedMps = detail.speedMps;
      drone.deliveryId = typeof detail.deliveryId === 'string' ? detail.deliveryId : undefined;
      drone.updatedAt = event.seenAt ?? new Date().toISOString();
      const delivery = drone.deliveryId ? deliveries.get(drone.deliveryId) : undefined;
      if (delivery && drone.location) {
        delivery.track.push(drone.location);
        if (delivery.track.length > MAX_TRACK) delivery.track.splice(0, delivery.track.length - MAX_TRACK);
      }
      changed();
      return true;
    }
    return false;
  }

  /**
   * Applies a status body of the public API (GET /v1/deliveries[/{id}]).
   * @param {Record<string, any>} status
   * @param {string} accountId
   */
  function applyStatus(status, accountId) {
    if (typeof status.deliveryId !== 'string') return;
    const delivery = deliveryOf(status.deliveryId);
    takePlan(delivery, { ...status, accountId });
    if (typeof status.stage === 'string') moveTo(delivery, status.stage);
    if (status.stage === 'Requested' && status.waiting) delivery.waiting = status.waiting;
    else delete delivery.waiting;
    changed();
  }

  return {
    deliveries,
    drones,
    accounts,
    applyEvent,
    applyStatus,
    /** @param {() => void} listener */
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** @typedef {ReturnType<typeof createModel>} Model */
