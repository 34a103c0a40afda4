import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { unstartedShard } from '../../functions/scheduler/core/store.ts';
import { readLocalCloudState } from '../../infra/local/auth/state.ts';
import {
  type ApiAnswer,
  callApi,
  invokeFunction,
  localCloud,
  scheduleRequest,
  tokenFor,
  waitFor,
} from '../support/e2e.ts';

// docs/architecture.md §5.1 against the whole system in the local cloud: ingest calls no other
// service. With every call to one downstream failing (the local cloud's fault injection, as AWS
// FIS's Lambda error action), a valid POST still answers 202, its owner reads it (never 404), and
// once the fault is cleared the delivery completes. And a request stored but never enqueued is
// found by the sweeper (a schedule rule of the template) and completed.

const ACCOUNT = 'acct-demo';

/** The functions of each downstream the workflow calls (not the Delivery service's public GET). */
const DOWNSTREAMS: [name: string, wireName: string, functions: string[]][] = [
  ['Accounts', 'accounts', ['AccountsGetAccount']],
  ['Package', 'package', ['PackagePutPackage', 'PackageCancelPackage']],
  ['Drone Management', 'drone', ['DroneAssignDrone', 'DroneReleaseDrone']],
  [
    'Delivery',
    'delivery',
    [
      'DeliveryPutDelivery',
      'DeliveryScheduleDelivery',
      'DeliveryRescheduleDelivery',
      'DeliveryCancelDelivery',
      'DeliveryFailDelivery',
      'DeliveryGetDeliveryInternal',
    ],
  ],
];

async function admin(method: string, route: string, body?: unknown) {
  const response = await fetch(`${localCloud().edgeUrl}/_local/${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

/** The log hops of one correlation id, as `npm run trace` shows them. */
async function hopsOf(correlationId: string): Promise<{ message: string; fields: Record<string, string> }[]> {
  const { body } = await admin('GET', `trace?value=${correlationId}&key=correlation_id`);
  return (body as { hops?: { message: string; fields: Record<string, string> }[] }).hops ?? [];
}

/** Reads the delivery as its owner until `done`, failing at once on any answer but 200. */
async function readUntil(token: string, deliveryId: string, done: (answer: ApiAnswer) => boolean) {
  const answers: number[] = [];
  const last = await waitFor(
    async () => {
      const answer = await callApi('GET', `/v1/deliveries/${deliveryId}`, { token });
      answers.push(answer.status);
      return answer;
    },
    (answer) => answer.status !== 200 || done(answer),
    100_000,
  );
  return { last, answers };
}

afterEach(async () => {
  await admin('DELETE', 'faults');
});

describe('ingest calls no other service', () => {
  it.each(DOWNSTREAMS)(
    'accepts a delivery while %s fails every call, shows it to its owner only, and completes it once the fault is cleared',
    async (_name, wireName, functions) => {
      const token = await tokenFor(ACCOUNT);
      const correlationId = `e2e-${wireName}-${randomUUID().slice(0, 8)}`;
      const faults = await admin(
        'PUT',
        'faults',
        functions.map((fn) => ({ function: fn, errorRate: 1 })),
      );
      expect(faults.status).toBe(200);

      const accepted = await callApi('POST', '/v1/deliveries', {
        token,
        body: scheduleRequest(),
        headers: { 'idempotency-key': correlationId, 'x-correlation-id': correlationId },
      });
      expect(accepted.status).toBe(202);
      const { deliveryId } = accepted.body;

      // The workflow has met the fault: it retries its call of this downstream.
      const hops = await waitFor(
        () => hopsOf(correlationId),
        (found) =>
          found.some(
            (hop) => hop.message === 'retrying downstream call' && hop.fields.downstream === wireName,
          ),
        60_000,
      );
      expect(hops.some((hop) => hop.fields.downstream === wireName)).toBe(true);
      const [whileFailing, stranger, history, notification] = await Promise.all([
        callApi('GET', `/v1/deliveries/${deliveryId}`, { token }),
        callApi('GET', `/v1/deliveries/${deliveryId}`, { token: await tokenFor('acct-other') }),
        callApi('GET', `/v1/deliveries/${deliveryId}/history`, { token }),
        callApi('POST', `/v1/deliveries/${deliveryId}/notifications`, {
          token,
          body: { channel: 'email', target: 'owner@example.com' },
        }),
      ]);
      expect(whileFailing.status).toBe(200);
      expect(whileFailing.body).toMatchObject({ deliveryId, accountId: ACCOUNT, stage: 'Requested' });
      expect(stranger.status).toBe(404);
      // Every public read of the accepted id answers its owner, created by the workflow or not yet.
      expect(history.status).toBe(200);
      expect(notification.status).toBe(201);

      await admin('DELETE', 'faults');
      const { last, answers } = await readUntil(
        token,
        deliveryId,
        (answer) => answer.body.stage === 'Completed',
      );

      expect(answers.every((status) => status === 200)).toBe(true);
      expect(last.body).toMatchObject({ deliveryId, stage: 'Completed' });
    },
    150_000,
  );
});

describe('a request stored but never enqueued', () => {
  it('is found by the sweeper and completed', async () => {
    const token = await tokenFor(ACCOUNT);
    const deliveryId = randomUUID();
    const now = new Date();
    // What a schedule ingest that crashed between its write and its send leaves behind.
    await putSchedulerItem({
      pk: `REQUEST#${deliveryId}`,
      sk: 'REQUEST',
      deliveryId,
      accountId: ACCOUNT,
      requestId: randomUUID(),
      request: scheduleRequest(),
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      correlationId: `e2e-sweep-${deliveryId.slice(0, 8)}`,
      sweepAt: new Date(now.getTime() - 1000).toISOString(),
      sweepShard: unstartedShard(deliveryId),
      sweepAttempts: 0,
    });

    const requested = await callApi('GET', `/v1/deliveries/${deliveryId}`, { token });
    // What the sweeper's schedule does every minute (its rule is asserted on the template), now.
    // (Its report is not asserted: the schedule's own run may have taken the request first.)
    await invokeFunction('Scheduler/SweepRequests', {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: [],
      detail: {},
    });
    const { last, answers } = await readUntil(
      token,
      deliveryId,
      (answer) => answer.body.stage === 'Completed',
    );

    expect(requested.status).toBe(200);
    expect(requested.body.stage).toBe('Requested');
    expect(answers.every((status) => status === 200)).toBe(true);
    expect(last.body).toMatchObject({ deliveryId, stage: 'Completed' });
  }, 150_000);
});

/** Writes one item into the Scheduler's table, as an administrator through the AWS edge. */
async function putSchedulerItem(item: Record<string, unknown>): Promise<void> {
  const state = (await readLocalCloudState(localCloud().stateDir)) as { tables?: Record<string, string> };
  const tableName = Object.entries(state?.tables ?? {}).find(([logicalId]) =>
    logicalId.startsWith('StatefulSchedulerTable'),
  )?.[1];
  if (!tableName) throw new Error('no scheduler table in the template');
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: localCloud().edgeUrl,
      region: 'us-east-1',
      // DynamoDB Local accepts only letters and digits in access keys.
      credentials: { accessKeyId: 'endtoendadmin', secretAccessKey: 'endtoendadmin' },
    }),
  );
  try {
    await client.send(new PutCommand({ TableName: tableName, Item: item }));
  } finally {
    client.destroy();
  }
}
