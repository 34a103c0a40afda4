import { describe, expect, it } from 'vitest';
import { FifoQueueModel } from '../test-support/fifo-queue.ts';
import { ACCOUNT, NOW, scheduleRequest } from '../test-support/harness.ts';
import { MemoryStore } from '../test-support/memory-store.ts';
import type { RequestMessage } from './messages.ts';
import type { SchedulerStore } from './store.ts';
import { firstSweepAt, nextSweepAt, SWEEP, type SweeperDeps, sweepUnstarted } from './sweeper.ts';

const SECOND = 1000;

/** A store, a queue model and a clock the test moves; requests stored as the ingest stores them. */
function setup() {
  const store = new MemoryStore();
  let now = NOW;
  const clock = () => now;
  const queue = new FifoQueueModel(clock);
  let remaining = 60_000;
  const deps = (overrides: Partial<SweeperDeps> = {}): SweeperDeps => ({
    store,
    queue,
    now: clock,
    remainingTimeMs: () => remaining,
    correlationId: 'sweep-run',
    ...overrides,
  });
  return {
    store,
    queue,
    deps,
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
    setRemaining(ms: number) {
      remaining = ms;
    },
    async stored(deliveryId: string) {
      await store.putRequest({
        deliveryId,
        accountId: ACCOUNT,
        requestId: `req-${deliveryId}`,
        request: scheduleRequest(),
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
        correlationId: `corr-${deliveryId}`,
        sweepAt: firstSweepAt(now),
      });
    },
    async storedReschedule(deliveryId: string, requestId: string) {
      const request = await store.getRequest(deliveryId);
      await store.putReschedule(
        {
          deliveryId,
          requestId,
          changes: { pickupTime: '2026-12-01T11:00:00Z' },
          request: scheduleRequest({ pickupTime: '2026-12-01T11:00:00Z' }),
          createdAt: now.toISOString(),
          accountId: ACCOUNT,
          correlationId: `corr-${requestId}`,
          sweepAt: firstSweepAt(now),
        },
        request?.updatedAt ?? '',
      );
    },
  };
}

const scheduleOf = (deliveryId: string): RequestMessage => ({
  deliveryId,
  operation: 'schedule',
  requestId: `req-${deliveryId}`,
  accountId: ACCOUNT,
  correlationId: `corr-${deliveryId}`,
});

describe('sweeper', () => {
  it('leaves a request alone during its grace period', async () => {
    const { deps, queue, advance, stored } = setup();
    await stored('d1');
    advance(SWEEP.graceSeconds * SECOND - 1);

    const report = await sweepUnstarted(deps());

    expect(report).toEqual({ due: 0, sent: 0, skipped: 0, failed: 0 });
    expect(queue.accepted).toEqual([]);
  });

  it('sends the message of a request not started after its grace period, exactly as the ingest built it', async () => {
    const { deps, queue, advance, stored } = setup();
    await stored('d1');
    advance(SWEEP.graceSeconds * SECOND);

    const report = await sweepUnstarted(deps());

    expect(report).toEqual({ due: 1, sent: 1, skipped: 0, failed: 0 });
    expect(queue.accepted).toEqual([scheduleOf('d1')]);
  });

  it('sends it again only after a growing delay, until the workflow starts it', async () => {
    const { store, deps, queue, advance, stored } = setup();
    await stored('d1');
    advance(SWEEP.graceSeconds * SECOND);
    await sweepUnstarted(deps());
    const times: string[] = [];

    for (let minute = 0; minute < 30; minute++) {
      advance(60 * SECOND);
      const report = await sweepUnstarted(deps());
      if (report.sent > 0) times.push(deps().now().toISOString());
    }
    await store.markStarted('d1', 'schedule', 'req-d1');
    advance(60 * 60 * SECOND);
    const afterStart = await sweepUnstarted(deps());

    // Sent at +1 min, then after 2, 4, 8 and 15 (the cap) minutes.
    expect(times).toEqual(
      [3, 7, 15, 30].map((minutes) => new Date(NOW.getTime() + minutes * 60 * SECOND).toISOString()),
    );
    expect(afterStart.due).toBe(0);
    expect(queue.accepted.length + queue.deduplicated.length).toBe(5);
  });

  it('skips an entry the workflow started between the index read and the claim', async () => {
    const { store, deps, queue, advance, stored } = setup();
    await stored('d1');
    advance(SWEEP.graceSeconds * SECOND);
    const stale = await store.findUnstarted(deps().now().toISOString(), 10);
    await store.markStarted('d1', 'schedule', 'req-d1');
    const laggingIndex: SchedulerStore = Object.assign(Object.create(store), {
      findUnstarted: async () => stale,
    });

    const report = await sweepUnstarted(deps({ store: laggingIndex }));

    expect(report).toEqual({ due: 1, sent: 0, skipped: 1, failed: 0 });
    expect(queue.accepted).toEqual([]);
  });

  it('lets two overlapping runs send each entry once', async () => {
    const { deps, queue, advance, stored } = setup();
    for (const id of ['d1', 'd2', 'd3']) await stored(id);
    advance(SWEEP.graceSeconds * SECOND);

    const [first, second] = await Promise.all([sweepUnstarted(deps()), sweepUnstarted(deps())]);

    expect(first.sent + second.sent).toBe(3);
    expect(first.skipped + second.skipped).toBe(3);
    expect(queue.accepted.length + queue.deduplicated.length).toBe(3);
  });

  it('sends a reschedule after its schedule when neither has started', async () => {
    const { deps, queue, advance, stored, storedReschedule } = setup();
    await stored('d1');
    await storedReschedule('d1', 'r2');
    advance(SWEEP.graceSeconds * SECOND);

    await sweepUnstarted(deps());

    const operations = queue.accepted.map((message) => `${message.operation}:${message.requestId}`);
    expect(operations.indexOf('schedule:req-d1')).toBeLessThan(operations.indexOf('reschedule:r2'));
    expect(operations).toHaveLength(2);
    expect(queue.accepted.find((message) => message.operation === 'reschedule')).toEqual({
      deliveryId: 'd1',
      operation: 'reschedule',
      requestId: 'r2',
      accountId: ACCOUNT,
      correlationId: 'corr-r2',
    });
  });

  it('sends only the reschedule when its schedule has started', async () => {
    const { store, deps, queue, advance, stored, storedReschedule } = setup();
    await stored('d1');
    await store.markStarted('d1', 'schedule', 'req-d1');
    await storedReschedule('d1', 'r2');
    advance(SWEEP.graceSeconds * SECOND);

    await sweepUnstarted(deps());

    expect(queue.accepted.map((message) => message.operation)).toEqual(['reschedule']);
  });

  it('keeps an entry whose send failed for a later run', async () => {
    const { deps, queue, advance, stored } = setup();
    await stored('d1');
    advance(SWEEP.graceSeconds * SECOND);
    queue.down = true;

    const failed = await sweepUnstarted(deps());
    queue.down = false;
    advance(2 * 60 * SECOND);
    const retried = await sweepUnstarted(deps());

    expect(failed).toEqual({ due: 1, sent: 0, skipped: 0, failed: 1 });
    expect(retried.sent).toBe(1);
    expect(queue.accepted).toEqual([scheduleOf('d1')]);
  });

  it('does a bounded amount of work per run and reaches every entry over successive runs', async () => {
    const { deps, queue, advance, stored } = setup();
    const ids = Array.from({ length: 10 }, (_, i) => `d${i}`);
    for (const id of ids) await stored(id);
    advance(SWEEP.graceSeconds * SECOND);

    // Each shard gets its share of a run, so a run never sends more than its limit.
    const runs = [];
    for (let run = 0; run < ids.length; run++) runs.push(await sweepUnstarted(deps(), 4));

    expect(runs.every((report) => report.sent <= 4)).toBe(true);
    expect(new Set(queue.accepted.map((message) => message.deliveryId))).toEqual(new Set(ids));
    expect(queue.accepted).toHaveLength(10);
  });

  it('stops taking entries when the invocation is about to run out of time', async () => {
    const { deps, queue, advance, stored, setRemaining } = setup();
    await stored('d1');
    advance(SWEEP.graceSeconds * SECOND);
    setRemaining(SWEEP.reserveMs - 1);

    const report = await sweepUnstarted(deps());

    expect(report.sent).toBe(0);
    expect(queue.accepted).toEqual([]);
  });

  it('spaces the sends of one entry by doubling delays up to a cap', () => {
    const delays = [1, 2, 3, 4, 10].map(
      (attempt) => (Date.parse(nextSweepAt(NOW, attempt)) - NOW.getTime()) / SECOND,
    );

    expect(delays).toEqual([120, 240, 480, 900, 900]);
  });
});
