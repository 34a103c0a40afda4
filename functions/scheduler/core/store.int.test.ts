import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTable } from '../../../test/support/dynamodb.ts';
import { harness, NOW, scheduleRequest } from '../test-support/harness.ts';
import {
  type Checkpoint,
  ConcurrentUpdateError,
  createSchedulerStore,
  type SchedulerStore,
} from './store.ts';
import { runWorkflow } from './workflow.ts';

let table: Awaited<ReturnType<typeof createTestTable>>;
let store: SchedulerStore;

beforeAll(async () => {
  table = await createTestTable('scheduler');
  store = createSchedulerStore(table.documentClient, table.tableName);
});

afterAll(async () => {
  await table.drop();
});

const at = NOW.toISOString();

function requestRecord(deliveryId: string) {
  return {
    deliveryId,
    accountId: 'acct-1',
    requestId: `req-${deliveryId}`,
    request: scheduleRequest(),
    createdAt: at,
    updatedAt: at,
  };
}

describe('scheduler store (DynamoDB Local)', () => {
  it('keeps the first claim of an idempotency key and returns it to later claims', async () => {
    const first = {
      accountId: 'acct-1',
      idempotencyKey: 'k1',
      deliveryId: 'd-a',
      requestId: 'r-a',
      bodyHash: 'h1',
      createdAt: at,
    };

    const claimed = await store.claimIdempotencyKey(first);
    const again = await store.claimIdempotencyKey({
      ...first,
      deliveryId: 'd-b',
      requestId: 'r-b',
      bodyHash: 'h2',
    });

    expect(claimed).toEqual({ record: first, created: true });
    expect(again).toEqual({ record: first, created: false });
  });

  it('stores the idempotency item under IDEMPOTENCY#<accountId>#<key> with an expiry', async () => {
    await store.claimIdempotencyKey({
      accountId: 'acct-9',
      idempotencyKey: 'k9',
      deliveryId: 'd9',
      requestId: 'r9',
      bodyHash: 'h',
      createdAt: at,
    });

    const { Item } = await table.documentClient.send(
      new GetCommand({ TableName: table.tableName, Key: { pk: 'IDEMPOTENCY#acct-9#k9', sk: 'KEY' } }),
    );

    expect(Item).toMatchObject({ deliveryId: 'd9', expiresAt: Math.floor(NOW.getTime() / 1000) + 86_400 });
  });

  it('writes a request once; a second put returns the stored one unchanged', async () => {
    const first = requestRecord('d-req');

    await store.putRequest(first);
    const second = await store.putRequest({ ...first, accountId: 'acct-other' });

    expect(second).toEqual({ record: first, created: false });
    expect(await store.getRequest('d-req')).toEqual(first);
  });

  it('stores a reschedule and applies it to the request together', async () => {
    await store.putRequest(requestRecord('d-res'));
    const request = scheduleRequest({ pickupTime: '2026-12-01T11:00:00Z' });
    const later = '2026-11-30T13:00:00.000Z';

    await store.putReschedule(
      {
        deliveryId: 'd-res',
        requestId: 'r2',
        changes: { pickupTime: '2026-12-01T11:00:00Z' },
        request,
        createdAt: later,
      },
      at,
    );

    expect(await store.getReschedule('d-res', 'r2')).toMatchObject({ request });
    expect(await store.getRequest('d-res')).toMatchObject({ request, updatedAt: later });
  });

  it('refuses a reschedule built on a stale request, writing neither item', async () => {
    await store.putRequest(requestRecord('d-stale'));

    const stale = store.putReschedule(
      {
        deliveryId: 'd-stale',
        requestId: 'r3',
        changes: { deadline: '2026-12-01T13:00:00Z' },
        request: scheduleRequest(),
        createdAt: at,
      },
      '2026-01-01T00:00:00.000Z',
    );

    await expect(stale).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect(await store.getReschedule('d-stale', 'r3')).toBeUndefined();
  });

  it('saves checkpoints with optimistic versions and refuses a stale save', async () => {
    const fresh: Checkpoint = {
      deliveryId: 'd-cp',
      operation: 'schedule',
      requestId: 'r1',
      status: 'Running',
      steps: {},
      compensated: [],
      version: 0,
      updatedAt: at,
    };
    const v1 = await store.saveCheckpoint(fresh);
    const v2 = await store.saveCheckpoint({ ...v1, steps: { accounts: { status: 'Active' } } });

    const stale = store.saveCheckpoint({ ...v1, status: 'Failed' });

    await expect(stale).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect(await store.getCheckpoint('d-cp', 'schedule', 'r1')).toEqual(v2);
    expect(v2.version).toBe(2);
  });

  it('refuses a second fresh checkpoint for the same operation', async () => {
    const fresh: Checkpoint = {
      deliveryId: 'd-dup',
      operation: 'cancel',
      requestId: 'r1',
      status: 'Running',
      steps: {},
      compensated: [],
      version: 0,
      updatedAt: at,
    };
    await store.saveCheckpoint(fresh);

    await expect(store.saveCheckpoint(fresh)).rejects.toBeInstanceOf(ConcurrentUpdateError);
  });

  it('lets a workflow processed twice over the real table schedule the delivery once', async () => {
    const h = harness();
    const message = await h.ingest('d-wf');
    await store.putRequest(requestRecord('d-wf'));
    const deps = { ...h.deps, store };

    await runWorkflow(deps, message);
    const second = await runWorkflow(deps, message);

    expect(second.status).toBe('Skipped');
    expect(h.fake.callsTo('PUT', /^\/drones\/assignments\//)).toHaveLength(1);
    expect(await store.getCheckpoint('d-wf', 'schedule', message.requestId)).toMatchObject({
      status: 'Completed',
      steps: { drone: { droneId: 'drone-1' } },
    });
  });

  it('resumes a workflow over the real table at the step after the last checkpoint', async () => {
    const h = harness();
    const message = await h.ingest('d-resume');
    await store.putRequest(requestRecord('d-resume'));
    const deps = { ...h.deps, store };
    h.fake.failNext('PUT', /^\/drones\//, 503, 4);
    await expect(runWorkflow(deps, message)).rejects.toThrow();
    h.fake.calls.length = 0;

    await runWorkflow(deps, message);

    expect(h.fake.calls).toEqual(['PUT /drones/assignments/d-resume', 'PUT /deliveries/d-resume/schedule']);
  });
});
