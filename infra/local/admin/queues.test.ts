import { describe, expect, it } from 'vitest';
import type { RuleInfo } from '../eventbridge/index.ts';
import { createQueueOverview, deadLetterArns, type QueueContents, queueRoutes, summarize } from './queues.ts';
import type { QueueInfo } from './topology.ts';

const arn = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;
const queue = (name: string, redrive?: QueueInfo['redrive']): QueueInfo => ({
  logicalId: name,
  name,
  arn: arn(name),
  url: `http://127.0.0.1:4566/000000000000/${name}`,
  fifo: name.endsWith('.fifo'),
  ...(redrive ? { redrive } : {}),
});
const ORDERS = queue('orders', { deadLetterArn: arn('orders-dlq'), maxReceiveCount: 5 });
const ORDERS_DLQ = queue('orders-dlq');
const TARGET_DLQ = queue('target-dlq');
const RULES = [
  { name: 'r', targets: [{ Id: 'q', Arn: arn('orders'), DeadLetterConfig: { Arn: arn('target-dlq') } }] },
] as unknown as RuleInfo[];
const NOW = Date.parse('2026-01-01T10:10:00Z');

describe('deadLetterArns', () => {
  it('takes the redrive policies’ and the rule targets’ dead-letter queues', () => {
    expect(deadLetterArns([ORDERS, ORDERS_DLQ], RULES)).toEqual(
      new Set([arn('orders-dlq'), arn('target-dlq')]),
    );
  });
});

describe('summarize', () => {
  it('counts messages per state and ages the oldest, whatever its state', () => {
    const contents: QueueContents = {
      ready: [{ sentTimestamp: NOW - 5_000 }],
      delayed: [{ sentTimestamp: NOW - 1_000 }],
      inflight: [{ message: { sentTimestamp: NOW - 65_400 } }, { message: { sentTimestamp: NOW - 2_000 } }],
    };

    expect(summarize(ORDERS, contents, false, NOW)).toEqual({
      name: 'orders',
      arn: arn('orders'),
      fifo: false,
      visible: 1,
      delayed: 1,
      inFlight: 2,
      oldestAgeSeconds: 65,
      deadLetterQueue: 'orders-dlq',
      maxReceiveCount: 5,
      isDeadLetterQueue: false,
    });
  });

  it('gives an empty queue no age', () => {
    const state = summarize(ORDERS_DLQ, { ready: [], delayed: [], inflight: [] }, true, NOW);

    expect(state).not.toHaveProperty('oldestAgeSeconds');
    expect(state.isDeadLetterQueue).toBe(true);
  });
});

describe('createQueueOverview and queueRoutes', () => {
  it('lists every queue by name, a queue its store does not hold as empty', async () => {
    const overview = createQueueOverview({
      queues: new Map([ORDERS, ORDERS_DLQ, TARGET_DLQ].map((entry) => [entry.arn, entry])),
      rules: () => RULES,
      inspect: async (name) =>
        name === 'orders-dlq'
          ? { ready: [{ sentTimestamp: NOW - 3_000 }], delayed: [], inflight: [] }
          : undefined,
      now: () => NOW,
    });
    const routes = queueRoutes(overview);

    const answer = await routes.route({
      method: 'GET',
      path: '/queues',
      query: new URLSearchParams(),
      body: undefined,
    });
    const other = await routes.route({
      method: 'GET',
      path: '/queues/x',
      query: new URLSearchParams(),
      body: undefined,
    });

    const { queues } = answer!.body as {
      queues: { name: string; visible: number; isDeadLetterQueue: boolean; oldestAgeSeconds?: number }[];
    };
    expect(
      queues.map((entry) => [entry.name, entry.visible, entry.isDeadLetterQueue, entry.oldestAgeSeconds]),
    ).toEqual([
      ['orders', 0, false, undefined],
      ['orders-dlq', 1, true, 3],
      ['target-dlq', 0, true, undefined],
    ]);
    expect(other).toBeUndefined();
  });
});
