import { afterAll, describe, expect, it } from 'vitest';
import { callApi, scanTable, scheduleRequest, tokenFor, waitFor } from '../support/e2e.ts';

// Drones booked in time, requests that wait for one, and reschedules refused cleanly
// (docs/architecture.md §3, §5 4a and 6), over HTTP against the whole system in the local cloud.

const TERMINAL = new Set(['Completed', 'Failed', 'Cancelled']);
const DEMO = 'acct-demo';
/** The window of a delivery booked just now: a flight and a recharge take seconds at the dev stages' speed. */
const HORIZON_MS = 60_000;
const created: string[] = [];

interface Booking {
  droneId: string;
  deliveryId: string;
  departAt: string;
  freeAt: string;
}

async function submit(token: string, body: unknown): Promise<string> {
  const answer = await callApi('POST', '/v1/deliveries', { token, body });
  expect(answer.status).toBe(202);
  created.push(answer.body.deliveryId);
  return answer.body.deliveryId;
}

/** The Drone table's bookings and profiles, as an administrator reads them. */
async function fleet() {
  const items = await scanTable('StatefulDroneTable');
  const profiles = items.filter((item) => item.sk === 'PROFILE') as { droneId: string; readyAt?: string }[];
  const bookings = items.filter((item) => String(item.sk).startsWith('BOOKING#')) as unknown as Booking[];
  return { profiles, bookings };
}

/** Drones bookable now for a flight of the next minute: charged, and no booking in the way. */
async function dronesFreeNow(now: number): Promise<Set<string>> {
  const { profiles, bookings } = await fleet();
  return new Set(
    profiles
      .filter((profile) => profile.readyAt === undefined || Date.parse(profile.readyAt) <= now)
      .filter(
        (profile) =>
          !bookings.some(
            (booking) =>
              booking.droneId === profile.droneId &&
              Date.parse(booking.departAt) < now + HORIZON_MS &&
              Date.parse(booking.freeAt) > now,
          ),
      )
      .map((profile) => profile.droneId),
  );
}

// Let every flight of this file land before the next file injects faults.
afterAll(async () => {
  const token = await tokenFor(DEMO);
  await Promise.all(
    created.map((deliveryId) =>
      waitFor(
        () => callApi('GET', `/v1/deliveries/${deliveryId}`, { token }),
        (answer) => TERMINAL.has(answer.body?.stage),
        120_000,
      ),
    ),
  );
}, 150_000);

describe('more deliveries for now than drones free now', () => {
  it('completes every one, the extra ones after waiting for a drone', async () => {
    const token = await tokenFor(DEMO);
    const free = await dronesFreeNow(Date.now());
    // 13 for now, as the issue asks; one more than the drones free if the fleet has 13 free.
    const count = Math.max(13, free.size + 1);

    const ids = await Promise.all(Array.from({ length: count }, () => submit(token, scheduleRequest())));
    const finals = await Promise.all(
      ids.map((deliveryId) =>
        waitFor(
          () => callApi('GET', `/v1/deliveries/${deliveryId}`, { token }),
          (answer) => TERMINAL.has(answer.body?.stage),
          240_000,
        ),
      ),
    );

    expect(finals.map((answer) => answer.body.stage)).toEqual(Array(count).fill('Completed'));
    const { bookings } = await fleet();
    const ours = bookings.filter((booking) => ids.includes(booking.deliveryId));
    expect(ours.map((booking) => booking.deliveryId).sort()).toEqual([...ids].sort());
    // Waited: flown by a drone not free when they were submitted, or after another of them on the same drone.
    const firstOnDrone = new Map<string, Booking>();
    for (const booking of [...ours].sort((a, b) => a.departAt.localeCompare(b.departAt))) {
      if (!firstOnDrone.has(booking.droneId)) firstOnDrone.set(booking.droneId, booking);
    }
    const waited = ours.filter(
      (booking) => !free.has(booking.droneId) || firstOnDrone.get(booking.droneId) !== booking,
    );
    expect(waited.length).toBeGreaterThanOrEqual(count - free.size);
    // A drone flew its deliveries one after another, never two at once.
    for (const [droneId] of firstOnDrone) {
      const windows = ours
        .filter((booking) => booking.droneId === droneId)
        .sort((a, b) => a.departAt.localeCompare(b.departAt));
      for (let i = 1; i < windows.length; i++) {
        expect(Date.parse(windows[i]?.departAt ?? ''), droneId).toBeGreaterThanOrEqual(
          Date.parse(windows[i - 1]?.freeAt ?? ''),
        );
      }
    }
  }, 300_000);
});

describe('a request no drone is free for yet', () => {
  it('waits, saying so, and is scheduled once a booking in its way is given up', async () => {
    const token = await tokenFor(DEMO);
    const { profiles } = await fleet();
    // Every drone booked at T (the extra ones right after): nothing free around T for a while.
    const at = Date.now() + 15 * 60_000;
    const pickupTime = new Date(at).toISOString();
    const blockers = await Promise.all(
      Array.from({ length: profiles.length + 2 }, () =>
        submit(token, scheduleRequest({ pickupTime, deadline: new Date(at + 60 * 60_000).toISOString() })),
      ),
    );
    const booked = await Promise.all(
      blockers.map((deliveryId) =>
        waitFor(
          () => callApi('GET', `/v1/deliveries/${deliveryId}`, { token }),
          (answer) => answer.body?.stage === 'Scheduled',
          90_000,
        ),
      ),
    );
    expect(booked.map((answer) => answer.body.stage)).toEqual(Array(blockers.length).fill('Scheduled'));

    // Due 2 s after its pickup: only a drone free at T can make it, and a drone leaving then still could.
    const waiting = await submit(
      token,
      scheduleRequest({ pickupTime, deadline: new Date(at + 2_000).toISOString() }),
    );
    const told = await waitFor(
      () => callApi('GET', `/v1/deliveries/${waiting}`, { token }),
      (answer) => answer.body?.waiting !== undefined,
      60_000,
    );
    expect(told.body).toMatchObject({ stage: 'Requested', waiting: { for: 'drone' } });
    expect(Date.parse(told.body.waiting.until)).toBeGreaterThan(Date.now());
    expect(Date.parse(told.body.waiting.until)).toBeLessThan(at + 2_000);

    // One booked for T itself (the extra ones were booked for later windows).
    const freed = [...booked].sort((a, b) => Date.parse(a.body.pickupEta) - Date.parse(b.body.pickupEta))[0];
    expect(Math.abs(Date.parse(freed?.body.pickupEta) - at)).toBeLessThan(1_000);
    expect((await callApi('DELETE', `/v1/deliveries/${freed?.body.deliveryId}`, { token })).status).toBe(202);
    const scheduled = await waitFor(
      () => callApi('GET', `/v1/deliveries/${waiting}`, { token }),
      (answer) => answer.body?.stage !== 'Requested',
      90_000,
    );

    expect(scheduled.body.stage).toBe('Scheduled');
    expect(scheduled.body.waiting).toBeUndefined();
    expect(scheduled.body.droneId).toBe(freed?.body.droneId);
    // Nothing of this test flies: its bookings are given back.
    for (const deliveryId of [waiting, ...blockers.filter((id) => id !== freed?.body.deliveryId)]) {
      expect((await callApi('DELETE', `/v1/deliveries/${deliveryId}`, { token })).status).toBe(202);
    }
  }, 300_000);
});

describe('a reschedule that cannot be served', () => {
  it('changes nothing and is told: the delivery keeps its plan and drone, its history says why', async () => {
    const token = await tokenFor(DEMO);
    // Picked up in an hour: it stays Scheduled while the reschedule runs.
    const now = Date.now();
    const deliveryId = await submit(
      token,
      scheduleRequest({
        pickupTime: new Date(now + 60 * 60_000).toISOString(),
        deadline: new Date(now + 3 * 60 * 60_000).toISOString(),
      }),
    );
    const before = await waitFor(
      () => callApi('GET', `/v1/deliveries/${deliveryId}`, { token }),
      (answer) => answer.body?.stage === 'Scheduled',
      60_000,
    );
    expect(before.body.stage).toBe('Scheduled');

    // About 100 km north: no drone of the fleet can fly there and back on one battery.
    const patched = await callApi('PATCH', `/v1/deliveries/${deliveryId}`, {
      token,
      body: { dropoff: { latitude: 48.5, longitude: -122.3, altitude: 0 } },
    });
    expect(patched.status).toBe(202);

    const history = await waitFor(
      () => callApi('GET', `/v1/deliveries/${deliveryId}/history`, { token }),
      (answer) =>
        answer.body?.items?.some((item: { type: string }) => item.type === 'DeliveryRescheduleRejected'),
      60_000,
    );
    const types = history.body.items.map((item: { type: string }) => item.type);
    expect(types).toEqual(['DeliveryCreated', 'DeliveryRescheduleRejected']);
    const rejected = history.body.items.find(
      (item: { type: string }) => item.type === 'DeliveryRescheduleRejected',
    );
    expect(JSON.stringify(rejected)).toContain('NoDroneAvailable');
    const after = await callApi('GET', `/v1/deliveries/${deliveryId}`, { token });
    expect(after.body).toEqual(before.body);

    const cancelled = await callApi('DELETE', `/v1/deliveries/${deliveryId}`, { token });
    expect(cancelled.status).toBe(202);
  }, 180_000);
});
