import { afterAll, describe, expect, it } from 'vitest';
import { callApi, scanTable, scheduleRequest, tokenFor, waitFor } from '../support/e2e.ts';

// The README's walkthrough, over HTTP against the whole system in the local cloud.

const TERMINAL = new Set(['Completed', 'Failed', 'Cancelled']);
const created: { deliveryId: string; token: string }[] = [];

async function schedule(token: string, body: unknown, headers: Record<string, string> = {}) {
  const answer = await callApi('POST', '/v1/deliveries', { token, body, headers });
  if (answer.status === 202) created.push({ deliveryId: answer.body.deliveryId, token });
  return answer;
}

// The next test files inject faults into subscribers: let every flight of this file land first.
afterAll(async () => {
  await Promise.all(
    created.map(({ deliveryId, token }) =>
      waitFor(
        () => callApi('GET', `/v1/deliveries/${deliveryId}`, { token }),
        (answer) => TERMINAL.has(answer.body?.stage),
        90_000,
      ),
    ),
  );
}, 120_000);

describe('a delivery from request to completion', () => {
  it('goes Scheduled → InTransit → Completed and has its history', async () => {
    const token = await tokenFor('acct-demo');

    const accepted = await schedule(token, scheduleRequest(), { 'idempotency-key': `e2e-${Date.now()}` });
    expect(accepted.status).toBe(202);
    const { deliveryId } = accepted.body;
    expect(accepted.headers.get('location')).toBe(`/v1/deliveries/${deliveryId}`);
    expect(accepted.body.stage).toBe('Requested');

    const stagesSeen = new Set<string>();
    const final = await waitFor(
      async () => {
        const answer = await callApi('GET', `/v1/deliveries/${deliveryId}`, { token });
        stagesSeen.add(answer.body.stage);
        return answer;
      },
      (answer) => answer.body.stage === 'Completed',
      60_000,
    );
    expect(final.status).toBe(200);
    expect(final.body).toMatchObject({ deliveryId, accountId: 'acct-demo', stage: 'Completed' });
    expect(final.body.droneId).toMatch(/^drone-/);

    const history = await waitFor(
      () => callApi('GET', `/v1/deliveries/${deliveryId}/history`, { token }),
      (answer) => answer.body.items?.length >= 3,
      15_000,
    );
    expect(history.body.items.map((item: { type: string }) => item.type)).toEqual([
      'DeliveryCreated',
      'DeliveryInTransit',
      'DeliveryCompleted',
    ]);
    expect([...stagesSeen].filter((stage) => stage !== 'Requested').length).toBeGreaterThan(0);
  });

  it('answers the same delivery for a repeated idempotency key', async () => {
    const token = await tokenFor('acct-demo');
    const key = `e2e-repeat-${Date.now()}`;

    const body = scheduleRequest();
    const first = await schedule(token, body, { 'idempotency-key': key });
    const second = await schedule(token, body, { 'idempotency-key': key });
    const other = await schedule(token, { ...body, expedited: true }, { 'idempotency-key': key });

    expect(second.status).toBe(202);
    expect(second.body.deliveryId).toBe(first.body.deliveryId);
    expect(other.status).toBe(409);
  });
});

describe('refusals', () => {
  it('answers 401 without a token', async () => {
    const answer = await callApi('GET', '/v1/deliveries');

    expect(answer.status).toBe(401);
  });

  it("answers 404 for another account's delivery", async () => {
    const owner = await tokenFor('acct-demo');
    const stranger = await tokenFor('acct-other');
    const accepted = await schedule(owner, scheduleRequest());

    const answers = await Promise.all([
      callApi('GET', `/v1/deliveries/${accepted.body.deliveryId}`, { token: stranger }),
      callApi('GET', `/v1/deliveries/${accepted.body.deliveryId}/history`, { token: stranger }),
      callApi('DELETE', `/v1/deliveries/${accepted.body.deliveryId}`, { token: stranger }),
    ]);

    expect(answers.map((answer) => answer.status)).toEqual([404, 404, 404]);
  });

  it('answers 400 with a problem body for bad input and stores nothing', async () => {
    const token = await tokenFor('acct-demo');
    // What an ingest writes: the workflows of earlier tests' deliveries may still add their checkpoints.
    const ingestItems = async () =>
      (await scanTable('StatefulSchedulerTable')).filter((item) => !String(item.pk).startsWith('WORKFLOW#'))
        .length;
    const before = await ingestItems();

    const answer = await callApi('POST', '/v1/deliveries', {
      token,
      body: scheduleRequest({ deadline: '2026-12-01T09:00:00Z', surprise: true }),
    });

    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.body).toMatchObject({ status: 400, title: 'Invalid request' });
    expect(answer.body.errors.map((error: { path: string }) => error.path)).toEqual(
      expect.arrayContaining(['/deadline', '/']),
    );
    expect(JSON.stringify(answer.body)).not.toMatch(/\bat .*\.(ts|js|mjs):\d+/);
    expect(await ingestItems()).toBe(before);
  });

  it("ends a suspended account's delivery Failed with nothing left reserved", async () => {
    const token = await tokenFor('acct-suspended');
    const accepted = await schedule(token, scheduleRequest());
    const { deliveryId } = accepted.body;

    const final = await waitFor(
      () => callApi('GET', `/v1/deliveries/${deliveryId}`, { token }),
      (answer) => answer.body.stage === 'Failed',
      30_000,
    );

    expect(final.body).toMatchObject({ stage: 'Failed', failureReason: 'AccountSuspended' });
    const packages = (await scanTable('StatefulPackageTable')).filter(
      (item) => item.deliveryId === deliveryId,
    );
    expect(packages.every((item) => item.status !== 'Active')).toBe(true);
    const drones = await scanTable('StatefulDroneTable');
    expect(drones.filter((item) => item.deliveryId === deliveryId)).toEqual([]);
  });
});
