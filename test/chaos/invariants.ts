import type { Submission } from './load.ts';

// The chaos suite's invariants, as pure checks over what the run observed: each gives a figure
// (what was measured) and whether it holds.

/** One invariant's verdict. */
export interface Invariant {
  name: string;
  figure: string;
  holds: boolean;
}

/** The invariants' names, in report order (the test names one case after each). */
export const INVARIANT_NAMES = {
  terminal: 'every delivery reached a terminal stage',
  failureReason: 'every Failed delivery has its reason',
  nothingReserved: 'nothing left reserved for Failed or Cancelled deliveries',
  droneOnce: 'no drone assigned to two deliveries at once',
  createdOnce: 'no delivery with two DeliveryCreated',
  historyOnce: 'no duplicate history entries',
  onePerKey: 'one delivery per idempotency key',
  deadLetters: 'every dead request handled by the supervisor',
  circuit: 'circuit opened during the outage and closed after',
  aborts: 'aborted workflow invocations resumed to a terminal stage',
} as const;

export const TERMINAL_STAGES = new Set(['Completed', 'Failed', 'Cancelled']);
const ENDED_WITHOUT_FLIGHT = new Set(['Failed', 'Cancelled']);

type Item = Record<string, unknown>;

/** A moment when two live assignments named the same drone, seen in two samples in a row. */
export interface DoubleAssignment {
  droneId: string;
  deliveryIds: string[];
  seenAt: string;
}

/** A `circuit state changed` log line of the workflow. */
export interface CircuitChange {
  at: number;
  downstream: string;
  state: string;
}

/** A delivery's request that was in a workflow invocation when it was killed, with its checkpoint then. */
export interface AbortedRecord {
  at: number;
  deliveryId: string;
  operation: string;
  requestId: string;
  stepsAtAbort: string[];
  statusAtAbort: string | undefined;
}

/** An event as archived by the local EventBridge. */
export interface ArchivedEvent {
  archivedAt: string;
  event: {
    id?: string;
    'detail-type'?: string;
    detail?: { deliveryId?: string; metadata?: { eventId?: string } };
  };
}

/** Everything the invariants are computed from. */
export interface Observations {
  submissions: Submission[];
  deliveries: Item[];
  packages: Item[];
  drones: Item[];
  scheduler: Item[];
  history: Item[];
  archive: ArchivedEvent[];
  queueDepths: { requests: number; deadLetters: number; unsettled: number };
  droneSamples: number;
  doubleAssignments: DoubleAssignment[];
  circuit: CircuitChange[];
  outage: { downstream: string; startedAt: number; endedAt: number };
  /** Delivery ids the supervisor logged about (requests that reached the dead-letter queue). */
  deadRequests: string[];
  aborts: { invocations: number; records: AbortedRecord[] };
}

const idOf = (pk: unknown, prefix: string) => (typeof pk === 'string' ? pk.slice(prefix.length) : '');

/** The Delivery table's deliveries by id. */
export function deliveriesById(items: Item[]): Map<string, Item> {
  return new Map(
    items.filter((item) => item.sk === 'DELIVERY').map((item) => [idOf(item.pk, 'DELIVERY#'), item]),
  );
}

function list(ids: string[], limit = 5): string {
  if (ids.length === 0) return '';
  return ` (${ids.slice(0, limit).join(', ')}${ids.length > limit ? ', …' : ''})`;
}

export function everyDeliveryTerminal(obs: Observations): Invariant {
  const deliveries = deliveriesById(obs.deliveries);
  const accepted = new Set(obs.submissions.flatMap((s) => (s.deliveryId ? [s.deliveryId] : [])));
  const stuck = [...accepted].filter((id) => !TERMINAL_STAGES.has(String(deliveries.get(id)?.stage)));
  const { requests } = obs.queueDepths;
  return {
    name: INVARIANT_NAMES.terminal,
    figure: `${accepted.size - stuck.length}/${accepted.size} terminal, ${stuck.length} stuck${list(stuck)}; requests queue ${requests}`,
    holds: stuck.length === 0 && accepted.size > 0 && requests === 0,
  };
}

export function everyFailureHasReason(obs: Observations): Invariant {
  const failed = [...deliveriesById(obs.deliveries).entries()].filter(([, item]) => item.stage === 'Failed');
  const missing = failed.filter(
    ([, item]) => typeof item.failureReason !== 'string' || item.failureReason === '',
  );
  return {
    name: INVARIANT_NAMES.failureReason,
    figure: `${failed.length - missing.length}/${failed.length} with a reason${list(missing.map(([id]) => id))}`,
    holds: missing.length === 0,
  };
}

export function nothingReservedForEndedDeliveries(obs: Observations): Invariant {
  const ended = new Set(
    [...deliveriesById(obs.deliveries).entries()]
      .filter(([, item]) => ENDED_WITHOUT_FLIGHT.has(String(item.stage)))
      .map(([id]) => id),
  );
  const activePackages = obs.packages
    .filter((item) => item.status === 'Active' && ended.has(idOf(item.pk, 'PACKAGE#')))
    .map((item) => idOf(item.pk, 'PACKAGE#'));
  const heldDrones = obs.drones
    .filter(
      (item) => item.sk === 'DRONE' && typeof item.deliveryId === 'string' && ended.has(item.deliveryId),
    )
    .map((item) => `${String(item.droneId)}→${String(item.deliveryId)}`);
  const assignments = obs.drones
    // A finished one is the record of the flight that served the delivery, kept for late retries.
    .filter(
      (item) =>
        item.sk === 'ASSIGNMENT' && item.finishedAt === undefined && ended.has(idOf(item.pk, 'ASSIGNMENT#')),
    )
    .map((item) => idOf(item.pk, 'ASSIGNMENT#'));
  // A drone's windows are booking items in its partition (functions/drone/core/keys.ts). A booking
  // that took off is no reservation any more: it is kept to block the drone's recharge after the
  // flight and cannot be released. It is counted apart, because a flight for a delivery that ended
  // without one is worth knowing about.
  const endedBookings = obs.drones.filter((item) => isBooking(item) && ended.has(String(item.deliveryId)));
  const bookings = endedBookings
    .filter((item) => item.tookOffAt === undefined)
    .map((item) => `${String(item.droneId)}@${String(item.departAt)}→${String(item.deliveryId)}`);
  const flownAnyway = endedBookings.filter((item) => item.tookOffAt !== undefined).length;
  return {
    name: INVARIANT_NAMES.nothingReserved,
    figure: `${ended.size} ended: ${activePackages.length} Active packages, ${heldDrones.length} drones held, ${assignments.length} assignments, ${bookings.length} drone bookings (${flownAnyway} flown before the delivery ended)${list([...activePackages, ...heldDrones, ...assignments, ...bookings])}`,
    holds:
      activePackages.length === 0 &&
      heldDrones.length === 0 &&
      assignments.length === 0 &&
      bookings.length === 0,
  };
}

const isBooking = (item: Item) => typeof item.sk === 'string' && item.sk.startsWith('BOOKING#');

/**
 * Drones booked for two deliveries at once in one reading of the Drone table: two booking windows
 * of one drone that overlap. Bookings of one drone at different times are how drones are shared.
 */
export function sharedDrones(droneItems: Item[]): Map<string, string[]> {
  const byDrone = new Map<string, Item[]>();
  for (const item of droneItems) {
    if (!isBooking(item) || typeof item.droneId !== 'string') continue;
    byDrone.set(item.droneId, [...(byDrone.get(item.droneId) ?? []), item]);
  }
  const shared = new Map<string, string[]>();
  for (const [droneId, bookings] of byDrone) {
    const clashing = new Set<string>();
    for (const [i, a] of bookings.entries()) {
      for (const b of bookings.slice(i + 1)) {
        if (String(a.departAt) < String(b.freeAt) && String(b.departAt) < String(a.freeAt)) {
          clashing.add(String(a.deliveryId));
          clashing.add(String(b.deliveryId));
        }
      }
    }
    if (clashing.size > 0) shared.set(droneId, [...clashing].sort());
  }
  return shared;
}

export function noDroneAssignedTwice(obs: Observations): Invariant {
  const final = sharedDrones(obs.drones);
  const conflicts = [
    ...obs.doubleAssignments.map((d) => `${d.droneId}: ${d.deliveryIds.join('+')}`),
    ...[...final].map(([droneId, ids]) => `${droneId}: ${ids.join('+')} (final)`),
  ];
  return {
    name: INVARIANT_NAMES.droneOnce,
    figure: `${conflicts.length} conflicts in ${obs.droneSamples} samples of the Drone table and its final state${list(conflicts)}`,
    holds: conflicts.length === 0 && obs.droneSamples > 0,
  };
}

function countBy<T>(values: T[], key: (value: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(key(value), (counts.get(key(value)) ?? 0) + 1);
  return counts;
}

/**
 * Publication is at least once (an outbox may be published twice, with the same `metadata.eventId`),
 * so a delivery created twice is two logical events: two distinct event ids, or two history entries.
 */
export function noDeliveryCreatedTwice(obs: Observations): Invariant {
  const created = obs.archive.filter((entry) => entry.event['detail-type'] === 'DeliveryCreated');
  const eventIdOf = (entry: ArchivedEvent) => entry.event.detail?.metadata?.eventId ?? String(entry.event.id);
  const logical = [...new Map(created.map((entry) => [eventIdOf(entry), entry])).values()];
  const published = countBy(logical, (entry) => String(entry.event.detail?.deliveryId));
  const recorded = countBy(
    obs.history.filter((item) => item.type === 'DeliveryCreated'),
    (item) => idOf(item.pk, 'DELIVERY#'),
  );
  const twice = [...new Set([...published.keys(), ...recorded.keys()])].filter(
    (id) => (published.get(id) ?? 0) > 1 || (recorded.get(id) ?? 0) > 1,
  );
  return {
    name: INVARIANT_NAMES.createdOnce,
    figure: `${logical.length} DeliveryCreated (${created.length} publications) for ${published.size} deliveries, ${recorded.size} in history; ${twice.length} twice${list(twice)}`,
    holds: twice.length === 0,
  };
}

export function noDuplicateHistoryEntries(obs: Observations): Invariant {
  const entries = obs.history.filter((item) => typeof item.sk === 'string' && item.sk.startsWith('EVENT#'));
  const counts = countBy(entries, (item) => `${idOf(item.pk, 'DELIVERY#')} ${String(item.type)}`);
  const repeated = [...counts].filter(([, count]) => count > 1).map(([key]) => key);
  return {
    name: INVARIANT_NAMES.historyOnce,
    figure: `${entries.length} entries for ${new Set(entries.map((item) => item.pk)).size} deliveries; ${repeated.length} repeated (delivery, type) pairs${list(repeated)}`,
    holds: repeated.length === 0 && entries.length > 0,
  };
}

export function oneDeliveryPerKey(obs: Observations): Invariant {
  const split = obs.submissions.filter(
    (s) => new Set(s.answers.flatMap((answer) => (answer.deliveryId ? [answer.deliveryId] : []))).size > 1,
  );
  const duplicateAnswers = obs.submissions.filter((s) => s.answers.length > 1);
  const sameId = duplicateAnswers.filter(
    (s) =>
      s.answers.every((answer) => answer.status === 202) &&
      new Set(s.answers.map((a) => a.deliveryId)).size === 1,
  );
  const accepted = new Set(obs.submissions.flatMap((s) => (s.deliveryId ? [s.deliveryId] : [])));
  const keys = obs.scheduler.filter(
    (item) => typeof item.pk === 'string' && item.pk.startsWith('IDEMPOTENCY#'),
  );
  const keyCounts = countBy(keys, (item) => String(item.pk));
  const deliveries = deliveriesById(obs.deliveries).size;
  return {
    name: INVARIANT_NAMES.onePerKey,
    figure: `${duplicateAnswers.length} submitted twice: ${sameId.length} answered 202 with one id, ${split.length} split; ${keyCounts.size} keys stored for ${accepted.size} accepted, ${deliveries} deliveries`,
    holds:
      split.length === 0 &&
      sameId.length === duplicateAnswers.length &&
      [...keyCounts.values()].every((count) => count === 1) &&
      keyCounts.size === accepted.size &&
      deliveries === accepted.size,
  };
}

export function deadLettersHandled(obs: Observations): Invariant {
  const deliveries = deliveriesById(obs.deliveries);
  const dead = [...new Set(obs.deadRequests)];
  const open = dead.filter((id) => !TERMINAL_STAGES.has(String(deliveries.get(id)?.stage)));
  const { deadLetters, unsettled } = obs.queueDepths;
  return {
    name: INVARIANT_NAMES.deadLetters,
    figure: `${dead.length} requests reached the DLQ, ${dead.length - open.length} of their deliveries terminal; DLQ ${deadLetters}, unsettled ${unsettled}${list(open)}`,
    holds: open.length === 0 && deadLetters === 0 && unsettled === 0,
  };
}

// Calls in flight when the outage starts or ends still see the old state for a moment.
const OUTAGE_SLACK_MS = 3_000;

export function circuitOpenedAndClosed(obs: Observations): Invariant {
  const { downstream, startedAt, endedAt } = obs.outage;
  const changes = obs.circuit.filter((change) => change.downstream === downstream);
  const openedDuring = changes.filter(
    (c) => c.state === 'open' && c.at >= startedAt && c.at <= endedAt + OUTAGE_SLACK_MS,
  );
  const closedAfter = changes.filter((c) => c.state === 'closed' && c.at > endedAt);
  const reopened = changes.filter((c) => c.state === 'open' && c.at > endedAt + OUTAGE_SLACK_MS);
  // After recovery a breaker may open again while the recovered function's environments start cold
  // on a busy machine (its calls time out): that is the breaker at work. What must not happen is a
  // breaker left open, i.e. a reopening with no closing after it.
  const lastReopen = reopened.at(-1)?.at ?? Number.NEGATIVE_INFINITY;
  const closedAfterLastReopen = closedAfter.some((c) => c.at > lastReopen);
  const seconds = ((endedAt - startedAt) / 1000).toFixed(0);
  return {
    name: INVARIANT_NAMES.circuit,
    figure: `${downstream} down ${seconds} s: opened ${openedDuring.length}× during, closed ${closedAfter.length}× after, reopened ${reopened.length}× after recovery${reopened.length > 0 ? (closedAfterLastReopen ? ' and closed again' : ', left open') : ''}`,
    holds: openedDuring.length > 0 && closedAfter.length > 0 && closedAfterLastReopen,
  };
}

export function abortedWorkflowsResumed(obs: Observations): Invariant {
  const deliveries = deliveriesById(obs.deliveries);
  const checkpoints = new Map(
    obs.scheduler
      .filter((item) => typeof item.pk === 'string' && item.pk.startsWith('WORKFLOW#'))
      .map((item) => [`${idOf(item.pk, 'WORKFLOW#')} ${String(item.sk)}`, item]),
  );
  const records = obs.aborts.records;
  const midway = records.filter((r) => r.stepsAtAbort.length > 0 && r.statusAtAbort === 'Running');
  const afterSecond = midway.filter((r) => r.stepsAtAbort.length >= 2);
  const unfinished = records.filter((r) => {
    const checkpoint = checkpoints.get(`${r.deliveryId} ${r.operation}#${r.requestId}`);
    const done = checkpoint?.status === 'Completed' || checkpoint?.status === 'Failed';
    return !done || !TERMINAL_STAGES.has(String(deliveries.get(r.deliveryId)?.stage));
  });
  const resumed = midway.filter((r) => {
    const steps = Object.keys(
      (checkpoints.get(`${r.deliveryId} ${r.operation}#${r.requestId}`)?.steps as object | undefined) ?? {},
    );
    return r.stepsAtAbort.every((step) => steps.includes(step));
  });
  return {
    name: INVARIANT_NAMES.aborts,
    figure: `${obs.aborts.invocations} invocations killed with ${records.length} requests; ${midway.length} mid-workflow (${afterSecond.length} after ≥2 steps), ${resumed.length} resumed from their checkpoint; ${records.length - unfinished.length}/${records.length} finished and terminal${list(unfinished.map((r) => r.deliveryId))}`,
    holds: obs.aborts.invocations > 0 && unfinished.length === 0 && resumed.length === midway.length,
  };
}

/** Every invariant of the suite, in report order. */
export function checkInvariants(obs: Observations): Invariant[] {
  return [
    everyDeliveryTerminal(obs),
    everyFailureHasReason(obs),
    nothingReservedForEndedDeliveries(obs),
    noDroneAssignedTwice(obs),
    noDeliveryCreatedTwice(obs),
    noDuplicateHistoryEntries(obs),
    oneDeliveryPerKey(obs),
    deadLettersHandled(obs),
    circuitOpenedAndClosed(obs),
    abortedWorkflowsResumed(obs),
  ];
}

/** The value below which `share` of the sorted values lie (nearest rank). */
export function percentile(sorted: number[], share: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1));
  return sorted[rank];
}
