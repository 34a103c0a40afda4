// The pending deliveries journal: what a bridge started on the same state folder finishes.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { QueueSender, ResolvedResource } from '../model.ts';
import { createEventBridge, type LocalEventBridgeService } from './index.ts';
import {
  busResource,
  DLQ_ARN,
  entry,
  FakeLambda,
  FakeQueues,
  MemoryLog,
  QUEUE_ARN,
  ruleResource,
  stackOf,
  tempStateDir,
} from './test-support/fixtures.ts';

// Each target delivery of an accepted event is journaled under the state folder: a bridge started
// on the same folder (after a stop or a crash) finishes what the last one left, where it was.

const bridges: LocalEventBridgeService[] = [];
const releases: (() => void)[] = [];

function bridgeOn(
  stateDir: string,
  queues: QueueSender,
  options: { rules?: ResolvedResource[]; log?: MemoryLog; retryBaseDelayMs?: number } = {},
) {
  const bridge = createEventBridge({
    stack: stackOf(busResource(), ...(options.rules ?? [queueRule()])),
    lambda: new FakeLambda(),
    queues,
    log: options.log ?? new MemoryLog(),
    stateDir,
    retryBaseDelayMs: options.retryBaseDelayMs ?? 1,
  });
  bridges.push(bridge);
  bridge.start();
  return bridge;
}

function queueRule(retryPolicy: Record<string, unknown> = {}) {
  return ruleResource('to-queue', {
    EventBusName: 'my-bus',
    EventPattern: { source: ['app.orders'] },
    Targets: [{ Id: 'queue', Arn: QUEUE_ARN, RetryPolicy: retryPolicy, DeadLetterConfig: { Arn: DLQ_ARN } }],
  });
}

/** A queue sender whose sends never finish until the test ends, as in a process killed mid-send. */
class StuckQueues implements QueueSender {
  started = 0;
  sendMessage(): Promise<void> {
    this.started++;
    return new Promise((resolve) => releases.push(resolve));
  }
}

function journalText(stateDir: string): string {
  return readdirSync(stateDir)
    .filter((file) => file.startsWith('pending-deliveries'))
    .map((file) => readFileSync(join(stateDir, file), 'utf8'))
    .join('');
}

afterEach(async () => {
  for (const release of releases.splice(0)) release();
  await Promise.all(bridges.splice(0).map((bridge) => bridge.stop()));
});

describe('target deliveries across a restart', () => {
  it('delivers an event accepted just before a crash', async () => {
    // Prepare
    const stateDir = tempStateDir();
    const crashed = bridgeOn(stateDir, new StuckQueues());
    const accepted = await crashed.putEvents([entry()]);
    // Act
    const queues = new FakeQueues();
    const next = bridgeOn(stateDir, queues);
    await next.settled();
    // Assess
    expect(queues.to(QUEUE_ARN).map((message) => JSON.parse(message.body).id)).toEqual([
      accepted.Entries[0]?.EventId,
    ]);
  });

  it('resumes a retry where the stop left it, with the retries already made', async () => {
    // Prepare
    const stateDir = tempStateDir();
    const rules = [queueRule({ MaximumRetryAttempts: 2 })];
    const failing = new FakeQueues();
    failing.failNext(QUEUE_ARN, 10);
    const first = bridgeOn(stateDir, failing, { rules, retryBaseDelayMs: 50 });
    const secondRetryWaits = new Promise<void>((resolve) =>
      first.subscribe((report) => {
        if (report.kind === 'target' && report.outcome === 'retrying' && report.retries === 1) resolve();
      }),
    );
    await first.putEvents([entry()]);
    await secondRetryWaits;
    await first.stop();
    // Act
    const stillFailing = new FakeQueues();
    stillFailing.failNext(QUEUE_ARN, 10);
    const next = bridgeOn(stateDir, stillFailing, { rules, retryBaseDelayMs: 50 });
    await next.settled();
    // Assess
    expect(stillFailing.failures.get(QUEUE_ARN)?.remaining).toBe(9);
    expect(stillFailing.to(DLQ_ARN)[0]?.options?.messageAttributes?.RETRY_ATTEMPTS?.StringValue).toBe('2');
  });

  it('counts an attempt cut off by a crash as failed, and applies the retry policy', async () => {
    // Prepare
    const stateDir = tempStateDir();
    const rules = [queueRule({ MaximumRetryAttempts: 0 })];
    const stuck = new StuckQueues();
    const crashed = bridgeOn(stateDir, stuck, { rules });
    await crashed.putEvents([entry()]);
    await vi.waitFor(() => expect(journalText(stateDir)).toContain('"attempts":1'));
    // Act
    const queues = new FakeQueues();
    const next = bridgeOn(stateDir, queues, { rules });
    await next.settled();
    // Assess
    expect(queues.to(QUEUE_ARN)).toEqual([]);
    expect(queues.to(DLQ_ARN)[0]?.options?.messageAttributes).toMatchObject({
      ERROR_MESSAGE: { StringValue: 'The local cloud stopped during this attempt' },
      EXHAUSTED_RETRY_CONDITION: { StringValue: 'MaximumRetryAttempts' },
    });
  });

  it('drops, with a log line, a delivery whose rule the template no longer has', async () => {
    // Prepare
    const stateDir = tempStateDir();
    const crashed = bridgeOn(stateDir, new StuckQueues());
    await crashed.putEvents([entry()]);
    const log = new MemoryLog();
    // Act
    const without = bridgeOn(stateDir, new FakeQueues(), { rules: [], log });
    await without.stop();
    const queues = new FakeQueues();
    const withAgain = bridgeOn(stateDir, queues);
    await withAgain.settled();
    // Assess
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'eventbridge: pending delivery dropped: the template no longer has its target',
      }),
    );
    expect(queues.sent).toEqual([]);
  });

  it('refuses a journal entry it cannot read, naming the file', async () => {
    // Prepare
    const stateDir = tempStateDir();
    await bridgeOn(stateDir, new FakeQueues()).stop();
    writeFileSync(
      join(stateDir, 'pending-deliveries.json'),
      JSON.stringify({ format: 1, generation: 1, entries: { x: { ruleName: 'to-queue' } }, expires: {} }),
    );
    // Act
    const start = () => bridgeOn(stateDir, new FakeQueues());
    // Assess
    expect(start).toThrow(/pending-deliveries: the pending delivery x is malformed/);
  });
});
