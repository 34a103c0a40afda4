import { describe, expect, it } from 'vitest';
import { NOW } from '../test-support/harness.ts';
import { WaitQueueModel } from '../test-support/wait-queue.ts';
import { deduplicationId, MAX_DELAY_SECONDS, type RequestMessage, type WaitMessage } from './messages.ts';
import { forwardWait } from './waits.ts';

const waiting = (wait: number, dueAt: Date): WaitMessage => ({
  message: {
    deliveryId: 'd1',
    operation: 'schedule',
    requestId: 'r1',
    accountId: 'acct-1',
    correlationId: 'c1',
    wait,
  },
  dueAt: dueAt.toISOString(),
});

function setup(now: Date) {
  const sent: RequestMessage[] = [];
  const waits = new WaitQueueModel();
  const deps = {
    requests: { send: async (message: RequestMessage) => void sent.push(message) },
    waits,
    now: () => now,
  };
  return { sent, waits, deps };
}

describe('the end of a wait', () => {
  it('puts a due schedule back on the requests queue, carrying its wait number', async () => {
    const { sent, waits, deps } = setup(NOW);
    const wait = waiting(3, NOW);

    const result = await forwardWait(deps, wait);

    expect(result).toBe('forwarded');
    expect(sent).toEqual([wait.message]);
    expect(waits.sent).toEqual([]);
  });

  it('delays again a wait delivered well before it is due', async () => {
    const { sent, waits, deps } = setup(NOW);
    const wait = waiting(1, new Date(NOW.getTime() + 20 * 60_000));

    const result = await forwardWait(deps, wait);

    expect(result).toBe('delayed');
    expect(sent).toEqual([]);
    expect(waits.sent).toEqual([{ wait, delaySeconds: MAX_DELAY_SECONDS }]);
  });

  it('counts a wait delivered less than a second early as due (SQS delays are whole seconds)', async () => {
    const { sent, deps } = setup(NOW);

    await forwardWait(deps, waiting(1, new Date(NOW.getTime() + 800)));

    expect(sent).toHaveLength(1);
  });
});

describe('the deduplication id of a request message', () => {
  it('differs per wait, so a schedule sent back after each wait is never dropped as a repeat', () => {
    const first = waiting(1, NOW).message;
    const second = waiting(2, NOW).message;
    const { wait: _wait, ...original } = first;

    expect(new Set([deduplicationId(original), deduplicationId(first), deduplicationId(second)]).size).toBe(
      3,
    );
    expect(deduplicationId(original)).toBe('d1:schedule:r1');
    expect(deduplicationId(second)).toBe('d1:schedule:r1:wait-2');
  });
});
