// A harness for the EventBridge tests: a bridge on `my-bus` with fakes, stopped after each test.
import { afterEach, vi } from 'vitest';
import type { ResolvedResource } from '../../model.ts';
import { createEventBridge, type LocalEventBridgeService } from '../index.ts';
import {
  archiveResource,
  BUS_ARN,
  busResource,
  FakeLambda,
  FakeQueues,
  FUNCTION_ARN,
  MemoryLog,
  QUEUE_ARN,
  ruleResource,
  stackOf,
  tempStateDir,
} from './fixtures.ts';

export const ARCHIVE_ARN = 'arn:aws:events:us-east-1:000000000000:archive/orders-archive';
export const ADMIN = { kind: 'admin', accessKeyId: 'test' } as const;

/** A rule on `my-bus` for `app.orders` events, with one SQS target. */
export function queueRule(
  name: string,
  extra: Record<string, unknown> = {},
  target: Record<string, unknown> = {},
) {
  return ruleResource(name, {
    EventBusName: 'my-bus',
    EventPattern: { source: ['app.orders'] },
    Targets: [{ Id: 'queue', Arn: QUEUE_ARN, ...target }],
    ...extra,
  });
}

/** Registers the cleanup of the bridges a test file builds; returns the function that builds them. */
export function useBridges() {
  const bridges: LocalEventBridgeService[] = [];
  afterEach(async () => {
    await Promise.all(bridges.splice(0).map((bridge) => bridge.stop()));
    vi.useRealTimers();
  });
  return function setup(
    resources: ResolvedResource[],
    options: { stateDir?: string; now?: () => Date } = {},
  ) {
    const queues = new FakeQueues();
    const lambda = new FakeLambda();
    const log = new MemoryLog();
    const stateDir = options.stateDir ?? tempStateDir();
    const bridge = createEventBridge({
      stack: stackOf(busResource(), ...resources),
      lambda,
      queues,
      log,
      stateDir,
      retryBaseDelayMs: 1,
      ...(options.now ? { now: options.now } : {}),
    });
    bridges.push(bridge);
    return { bridge, queues, lambda, log, stateDir };
  };
}

/** A bridge with two rules on `my-bus` and an archive of its `app.orders` events, on a clock tests set. */
export function archiveSetup(setup: ReturnType<typeof useBridges>, stateDir?: string) {
  let clock = new Date('2026-01-01T00:00:00Z');
  const context = setup(
    [
      queueRule('to-queue'),
      ruleResource('other', {
        EventBusName: 'my-bus',
        EventPattern: { source: ['app.orders'] },
        Targets: [{ Id: 'fn', Arn: FUNCTION_ARN }],
      }),
      archiveResource('orders-archive', { SourceArn: BUS_ARN, EventPattern: { source: ['app.orders'] } }),
    ],
    { now: () => clock, ...(stateDir ? { stateDir } : {}) },
  );
  return { ...context, setClock: (iso: string) => (clock = new Date(iso)) };
}

/** Waits for the bridge to settle, then answers DescribeReplay for the replay. */
export async function waitForReplay(bridge: LocalEventBridgeService, name: string) {
  await bridge.settled();
  return (await bridge.handle('DescribeReplay', { ReplayName: name }, ADMIN)).body as Record<string, unknown>;
}
