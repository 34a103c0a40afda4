import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readLocalCloudState } from '../../infra/local/auth/state.ts';
import { createInternalApiClient, type InternalApiClient } from '../../shared/internal-api.ts';
import { callApi, localCloud, tokenFor, waitFor } from '../support/e2e.ts';

// Drone events with exactly the contract's fields (docs/architecture.md, event catalog): no
// `recordedAt`, metadata `{correlationId, schemaVersion}` only. Put on the bus with the admin API's
// replay, they must move a scheduled delivery to InTransit and then Completed, as a real drone's would.

const ROOT = path.resolve(import.meta.dirname, '../..');
const FLIGHT = path.join(ROOT, 'events/fixtures/scenarios/contract-only-flight.json');

let internalApi: InternalApiClient;
beforeAll(async () => {
  const state = await readLocalCloudState(localCloud().stateDir);
  const api = state?.apis.find((entry) => /internal/i.test(entry.logicalId));
  if (!api) throw new Error('no internal API in the local cloud state');
  internalApi = createInternalApiClient({
    baseUrl: api.url,
    region: 'us-east-1',
    downstream: 'delivery',
    timeoutMs: 10_000,
    // A key the local cloud does not know: an administrator's, allowed on every internal route.
    credentials: async () => ({ accessKeyId: 'endtoendadmin', secretAccessKey: 'endtoendadmin' }),
  });
});

/**
 * A delivery scheduled through the internal API, as the scheduler's workflow would, with a drone
 * outside the fleet: the simulator never flies it, so only the replayed events move it.
 */
async function scheduledDelivery() {
  const suffix = randomUUID().slice(0, 8);
  const deliveryId = `d-contract-${suffix}`;
  const droneId = `drone-contract-${suffix}`;
  await internalApi.request('PUT', `/deliveries/${deliveryId}`, {
    accountId: 'acct-demo',
    pickup: { latitude: 47.5806, longitude: -122.335, altitude: 0 },
    dropoff: { latitude: 47.6235, longitude: -122.319, altitude: 0 },
    pickupTime: '2026-05-04T16:00:00Z',
    deadline: '2026-05-04T18:00:00Z',
    expedited: false,
    confirmationRequired: 'None',
    package: { size: 'Small', weightKg: 1.2, tag: 'books' },
  });
  const scheduled = await internalApi.request<{ stage: string }>(
    'PUT',
    `/deliveries/${deliveryId}/schedule`,
    {
      droneId,
      pickupEta: '2026-05-04T16:04:00Z',
      deliveryEta: '2026-05-04T16:15:00Z',
    },
  );
  expect(scheduled.body.stage).toBe('Scheduled');
  return { deliveryId, droneId };
}

/** The contract-only flight about this delivery and drone, each envelope with a fresh id. */
function flightOf(deliveryId: string, droneId: string): Record<string, unknown>[] {
  const text = readFileSync(FLIGHT, 'utf8')
    .replaceAll('d-fixture-0002', deliveryId)
    .replaceAll('drone-001', droneId);
  return (JSON.parse(text) as Record<string, unknown>[]).map((envelope) => ({
    ...envelope,
    id: randomUUID(),
  }));
}

async function replay(envelopes: Record<string, unknown>[]) {
  const response = await fetch(`${localCloud().edgeUrl}/_local/replay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ envelopes }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { events: { eventId: string }[] };
  const outcomes = await fetch(`${localCloud().edgeUrl}/_local/outcomes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ eventIds: body.events.map((event) => event.eventId), timeoutMs: 60_000 }),
  });
  return (await outcomes.json()) as { settled: boolean };
}

async function historyTypes(deliveryId: string, token: string): Promise<string[]> {
  const answer = await callApi('GET', `/v1/deliveries/${deliveryId}/history`, { token });
  return (answer.body?.items ?? []).map((item: { type: string }) => item.type);
}

describe('contract-only drone events', () => {
  it('move a scheduled delivery to InTransit, then Completed, each told once', async () => {
    const token = await tokenFor('acct-demo');
    const { deliveryId, droneId } = await scheduledDelivery();

    const outcome = await replay(flightOf(deliveryId, droneId));

    expect(outcome.settled).toBe(true);
    const status = await waitFor(
      () => callApi('GET', `/v1/deliveries/${deliveryId}`, { token }),
      (answer) => answer.body?.stage === 'Completed',
    );
    expect(status.body).toMatchObject({
      stage: 'Completed',
      droneId,
      lastKnownLocation: { latitude: 47.6235, longitude: -122.319, altitude: 0 },
    });
    const history = await waitFor(
      () => historyTypes(deliveryId, token),
      (types) => types.length >= 3,
    );
    expect(history).toEqual(['DeliveryCreated', 'DeliveryInTransit', 'DeliveryCompleted']);
  });

  it('change nothing when the same flight is replayed again', async () => {
    const token = await tokenFor('acct-demo');
    const { deliveryId, droneId } = await scheduledDelivery();
    await replay(flightOf(deliveryId, droneId));
    await waitFor(
      () => historyTypes(deliveryId, token),
      (types) => types.length >= 3,
    );
    const before = await callApi('GET', `/v1/deliveries/${deliveryId}`, { token });

    const again = await replay(flightOf(deliveryId, droneId));

    expect(again.settled).toBe(true);
    // Every replayed drone event was handled: an unchanged delivery means no event was told again.
    expect((await callApi('GET', `/v1/deliveries/${deliveryId}`, { token })).body).toEqual(before.body);
    expect(await historyTypes(deliveryId, token)).toEqual([
      'DeliveryCreated',
      'DeliveryInTransit',
      'DeliveryCompleted',
    ]);
  });
});
