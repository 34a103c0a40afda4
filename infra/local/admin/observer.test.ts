import { describe, expect, it } from 'vitest';
import type { DeliveryReport, EventHistory, RuleInfo, TargetHistory } from '../eventbridge/index.ts';
import type { BatchObservation } from '../lambda/event-source-mappings.ts';
import { createDeliveryObserver, envelopeKeyOf } from './observer.ts';
import type { QueueInfo } from './topology.ts';

const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:orders';
const DLQ = 'arn:aws:sqs:us-east-1:000000000000:orders-dlq';
const event = {
  version: '0' as const,
  id: 'e-1',
  'detail-type': 'OrderPlaced',
  source: 'app.orders',
  account: '0',
  time: '',
  region: 'us-east-1',
  resources: [],
  detail: { orderId: 'o-1' },
};

function setup(target: Partial<TargetHistory> = {}, rule: Partial<RuleInfo['targets'][number]> = {}) {
  const listeners = new Set<(report: DeliveryReport) => void>();
  const history: EventHistory = {
    eventId: 'e-1',
    eventBusName: 'bus',
    receivedAt: '2026-01-01T10:00:00.000Z',
    event,
    matchedRules: [{ name: 'r', arn: 'arn:rule' }],
    targets: [
      {
        ruleName: 'r',
        ruleArn: 'arn:rule',
        targetId: 'T',
        targetArn: QUEUE,
        status: 'delivered',
        attempts: 1,
        retries: 0,
        ...target,
      },
    ],
  };
  const queues = new Map<string, QueueInfo>([
    [
      QUEUE,
      {
        logicalId: 'Q',
        name: 'orders',
        arn: QUEUE,
        url: '',
        fifo: false,
        redrive: { deadLetterArn: DLQ, maxReceiveCount: 2 },
      },
    ],
  ]);
  const observer = createDeliveryObserver({
    events: {
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      history: (id) => (id === 'e-1' ? [history] : []),
      rules: () => [
        {
          name: 'r',
          arn: 'arn:rule',
          eventBusName: 'bus',
          state: 'ENABLED',
          targets: [{ Id: 'T', Arn: QUEUE, ...rule }],
        },
      ],
    },
    queues,
    consumers: () => [{ functionName: 'consumer', eventSourceArn: QUEUE, enabled: true }],
  });
  const batch = (receiveCount: number, ok: boolean): BatchObservation => ({
    mapping: 'M',
    functionName: 'consumer',
    eventSourceArn: QUEUE,
    records: [{ messageId: 'm-1', body: JSON.stringify(event), receiveCount, messageAttributes: {} }],
    result: ok ? { ok: true, payload: null } : { ok: false, errorType: 'Error', errorMessage: 'boom' },
    failedMessageIds: ok ? [] : ['m-1'],
    duplicate: false,
    startedAt: new Date(),
    finishedAt: new Date(),
  });
  const emit = (report: DeliveryReport) => {
    for (const listener of listeners) listener(report);
  };
  return { observer, batch, emit, history };
}

describe('createDeliveryObserver', () => {
  it('leaves a delivered event unsettled until its consumer received the message', () => {
    const { observer } = setup();

    const outcome = observer.outcome('e-1');

    expect(outcome?.settled).toBe(false);
    expect(outcome?.targets[0]?.consumer?.status).toBe('pending');
  });

  it('settles an event once its consumer processed the message', () => {
    const { observer, batch } = setup();

    observer.onBatch(batch(1, true));

    expect(observer.outcome('e-1')).toMatchObject({ settled: true, failed: false });
  });

  it('reports a failed receive below the redrive limit as retrying', () => {
    const { observer, batch } = setup();

    observer.onBatch(batch(1, false));

    expect(observer.outcome('e-1')?.targets[0]?.consumer).toMatchObject({
      status: 'retrying',
      failures: 1,
      lastError: 'Error: boom',
    });
  });

  it('reports a failed last receive allowed by the redrive policy as dead-lettered', () => {
    const { observer, batch } = setup();

    observer.onBatch(batch(1, false));
    observer.onBatch(batch(2, false));

    expect(observer.outcome('e-1')).toMatchObject({
      settled: true,
      failed: true,
      targets: [{ consumer: { status: 'dead-lettered', deadLetterArn: DLQ } }],
    });
  });

  it('does not follow a target whose input is transformed', () => {
    const { observer } = setup({}, { InputPath: '$.detail' });

    expect(observer.outcome('e-1')?.targets[0]?.consumer).toBeUndefined();
  });

  it('marks an event whose target dead-lettered as failed', () => {
    const { observer } = setup({
      status: 'dead-lettered',
      deadLetterArn: DLQ,
      errorCode: 'SDK_CLIENT_ERROR',
    });

    expect(observer.outcome('e-1')).toMatchObject({ settled: true, failed: true });
  });

  it('stops waiting at the timeout with the outcomes as they stand', async () => {
    const { observer } = setup();

    const result = await observer.waitFor(['e-1', 'unknown'], { timeoutMs: 20 });

    expect(result.settled).toBe(false);
    expect(result.events[1]).toEqual({ eventId: 'unknown', unknown: true });
  });

  it('wakes a waiter when the consumer reports', async () => {
    const { observer, batch } = setup();

    const waiting = observer.waitFor(['e-1'], { timeoutMs: 5000 });
    observer.onBatch(batch(1, true));

    expect((await waiting).settled).toBe(true);
  });

  it('remembers the events a replay routed', () => {
    const { observer, emit } = setup();

    emit({ kind: 'matched', eventId: 'e-1', eventBusName: 'bus', replayName: 'rp', event, matchedRules: [] });

    expect(observer.replayedEventIds('rp')).toEqual(['e-1']);
  });
});

describe('envelopeKeyOf', () => {
  it('reads the event id and replay name of an envelope body', () => {
    expect(envelopeKeyOf(JSON.stringify({ ...event, 'replay-name': 'rp' }))).toEqual({
      eventId: 'e-1',
      replayName: 'rp',
    });
  });

  it('ignores a body that is not an envelope', () => {
    expect(envelopeKeyOf('{"orderId":"o-1"}')).toBeUndefined();
  });
});
