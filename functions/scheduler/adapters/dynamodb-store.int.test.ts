import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Checkpoint,
  ConcurrentUpdateError,
  type SchedulerStore,
  UNSTARTED_SHARDS,
  unstartedShard,
} from '../core/store.ts';
import { firstSweepAt, sweepUnstarted } from '../core/sweeper.ts';
import { runWorkflow } from '../core/workflow.ts';
import { FifoQueueModel } from '../test-support/fifo-queue.ts';
import { harness, NOW, scheduleRequest } from '../test-support/harness.ts';
import { createSchedulerTable } from '../test-support/scheduler-table.ts';
import { createSchedulerStore } from './dynamodb-store.ts';

let table: Awaited<ReturnType<typeof createSchedulerTable>>;
let store: SchedulerStore;

beforeAll(async () => {
  table = await createSchedulerTable();
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

  it('stores a reschedule, moving the request’s lock but not its plan', async () => {
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
    expect(await store.getRequest('d-res')).toMatchObject({ request: scheduleRequest(), updatedAt: later });
  });

  it('makes a served reschedule’s plan the request’s, leaving its lock alone', async () => {
    await store.putRequest(requestRecord('d-applied'));
    const request = scheduleRequest({ pickupTime: '2026-12-01T11:00:00Z' });

    await store.applyReschedule('d-applied', 'r2', request);
    await store.applyReschedule('d-applied', 'r2', request);

    expect(await store.getRequest('d-applied')).toMatchObject({ request, updatedAt: at });
  });

  it('applies no reschedule to a request that does not exist', async () => {
    await expect(store.applyReschedule('d-none', 'r2', scheduleRequest())).rejects.toThrow();
    expect(await store.getRequest('d-none')).toBeUndefined();
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

// Every test below uses its own delivery ids; `DUE` is far enough ahead that every stored entry is due.
const DUE = '9999-12-31T00:00:00.000Z';
const unstarted = (deliveryId: string, sweepAt = firstSweepAt(NOW)) => ({
  ...requestRecord(deliveryId),
  correlationId: `corr-${deliveryId}`,
  sweepAt,
});

describe('unstarted index (DynamoDB Local)', () => {
  it('lists a request stored with sweepAt once it is due, with what the sweeper needs', async () => {
    await store.putRequest(unstarted('u-1'));

    const early = await store.findUnstarted(NOW.toISOString(), 100);
    const due = await store.findUnstarted(firstSweepAt(NOW), 100);

    expect(early.filter((entry) => entry.deliveryId === 'u-1')).toEqual([]);
    expect(due.filter((entry) => entry.deliveryId === 'u-1')).toEqual([
      {
        deliveryId: 'u-1',
        operation: 'schedule',
        requestId: 'req-u-1',
        accountId: 'acct-1',
        correlationId: 'corr-u-1',
        sweepAt: firstSweepAt(NOW),
        sweepAttempts: 0,
      },
    ]);
    const { Item } = await table.documentClient.send(
      new GetCommand({ TableName: table.tableName, Key: { pk: 'REQUEST#u-1', sk: 'REQUEST' } }),
    );
    expect(Item).toMatchObject({ sweepShard: unstartedShard('u-1') });
  });

  it('lists a reschedule stored with sweepAt as a reschedule of its delivery', async () => {
    await store.putRequest(requestRecord('u-2'));
    await store.putReschedule(
      {
        deliveryId: 'u-2',
        requestId: 'r-u-2',
        changes: { pickupTime: '2026-12-01T11:00:00Z' },
        request: scheduleRequest({ pickupTime: '2026-12-01T11:00:00Z' }),
        createdAt: at,
        accountId: 'acct-1',
        correlationId: 'corr-r',
        sweepAt: firstSweepAt(NOW),
      },
      at,
    );

    const entries = (await store.findUnstarted(DUE, 1000)).filter((entry) => entry.deliveryId === 'u-2');

    expect(entries).toEqual([expect.objectContaining({ operation: 'reschedule', requestId: 'r-u-2' })]);
  });

  it('takes an item out when it starts; starting again, or starting an unknown one, writes nothing', async () => {
    await store.putRequest(unstarted('u-3'));

    await store.markStarted('u-3', 'schedule', 'req-u-3');
    await store.markStarted('u-3', 'schedule', 'req-u-3');
    await store.markStarted('u-ghost', 'schedule', 'req');

    expect((await store.findUnstarted(DUE, 1000)).some((entry) => entry.deliveryId === 'u-3')).toBe(false);
    expect((await store.getRequest('u-3'))?.sweepAt).toBeUndefined();
    expect(await store.getRequest('u-ghost')).toBeUndefined();
  });

  it('pages through each shard and gives each its share of the limit, oldest first', async () => {
    const ids = Array.from({ length: 24 }, (_, i) => `u-page-${i}`);
    const past = (i: number) => new Date(NOW.getTime() - (100 - i) * 1000).toISOString();
    await Promise.all(ids.map((id, i) => store.putRequest(unstarted(id, past(i)))));
    const dueBy = NOW.toISOString();

    const all = await store.findUnstarted(dueBy, 1000);
    const limited = await store.findUnstarted(dueBy, 8);

    expect(all.map((entry) => entry.deliveryId).sort()).toEqual([...ids].sort());
    expect(limited.length).toBeLessThanOrEqual(8);
    const perShard = new Map<string, string[]>();
    for (const entry of limited) {
      const shard = unstartedShard(entry.deliveryId);
      perShard.set(shard, [...(perShard.get(shard) ?? []), entry.sweepAt]);
    }
    for (const times of perShard.values()) {
      expect(times.length).toBeLessThanOrEqual(Math.ceil(8 / UNSTARTED_SHARDS));
      expect(times).toEqual([...times].sort());
    }
  });

  it('defers an entry once for the sweepAt read and refuses a stale read', async () => {
    await store.putRequest(unstarted('u-4'));
    const [entry] = (await store.findUnstarted(DUE, 1000)).filter((e) => e.deliveryId === 'u-4');
    if (!entry) throw new Error('entry not indexed');

    const first = await store.deferSweep(entry, '2026-11-30T12:05:00.000Z');
    const stale = await store.deferSweep(entry, '2026-11-30T12:09:00.000Z');

    expect([first, stale]).toEqual([true, false]);
    const [after] = (await store.findUnstarted(DUE, 1000)).filter((e) => e.deliveryId === 'u-4');
    expect(after).toMatchObject({ sweepAt: '2026-11-30T12:05:00.000Z', sweepAttempts: 1 });
  });

  it('lets the sweeper complete a request stored but never sent, exactly once', async () => {
    await store.putRequest(unstarted('u-5', NOW.toISOString()));
    const queue = new FifoQueueModel(() => NOW);
    const deps = {
      store,
      queue,
      now: () => NOW,
      remainingTimeMs: () => 60_000,
      correlationId: 'sweep',
    };

    await Promise.all([sweepUnstarted(deps, 1000), sweepUnstarted(deps, 1000)]);

    expect(queue.accepted.filter((message) => message.deliveryId === 'u-5')).toEqual([
      {
        deliveryId: 'u-5',
        operation: 'schedule',
        requestId: 'req-u-5',
        accountId: 'acct-1',
        correlationId: 'corr-u-5',
      },
    ]);
    expect(queue.deduplicated.filter((message) => message.deliveryId === 'u-5')).toEqual([]);
  });
});

describe('stage projection (DynamoDB Local)', () => {
  it('has one effect for 20 concurrent copies of one event', async () => {
    await store.putRequest(requestRecord('s-1'));

    const changes = await Promise.all(
      Array.from({ length: 20 }, () => store.recordStage('s-1', 'InTransit', 'e-1', at)),
    );

    expect(changes.filter((change) => change === 'applied')).toHaveLength(1);
    expect(changes.filter((change) => change === 'stale')).toHaveLength(19);
    const { Item } = await table.documentClient.send(
      new GetCommand({ TableName: table.tableName, Key: { pk: 'REQUEST#s-1', sk: 'REQUEST' } }),
    );
    expect(Item).toMatchObject({ stage: 'InTransit', stageEventId: 'e-1', updatedAt: at });
  });

  it('never moves a stage back and keeps the first final stage', async () => {
    await store.putRequest(requestRecord('s-2'));

    const changes = [
      await store.recordStage('s-2', 'Completed', 'e-3', at),
      await store.recordStage('s-2', 'Scheduled', 'e-1', at),
      await store.recordStage('s-2', 'Failed', 'e-4', at),
    ];

    expect(changes).toEqual(['applied', 'stale', 'stale']);
    expect((await store.getRequest('s-2'))?.stage).toBe('Completed');
  });

  it('leaves a reschedule built on the request before the stage changed valid', async () => {
    await store.putRequest(requestRecord('s-3'));
    await store.recordStage('s-3', 'Scheduled', 'e-1', at);

    await store.putReschedule(
      {
        deliveryId: 's-3',
        requestId: 'r',
        changes: { deadline: '2026-12-01T13:00:00Z' },
        request: scheduleRequest({ deadline: '2026-12-01T13:00:00Z' }),
        createdAt: '2026-11-30T13:00:00.000Z',
      },
      at,
    );

    expect(await store.getRequest('s-3')).toMatchObject({ stage: 'Scheduled' });
  });

  it('writes nothing for an event about a delivery it never accepted', async () => {
    const change = await store.recordStage('s-ghost', 'Completed', 'e-1', at);

    expect(change).toBe('unknown-delivery');
    expect(await store.getRequest('s-ghost')).toBeUndefined();
  });
});
