// A harness for the API tests: a bridge with rules on two buses and an archive, stopped after each test.
import { afterEach } from 'vitest';
import type { CallerIdentity, PolicyStatement } from '../../model.ts';
import { createEventBridge, type LocalEventBridgeService } from '../index.ts';
import {
  archiveResource,
  BUS_ARN,
  busResource,
  FakeLambda,
  FakeQueues,
  MemoryLog,
  QUEUE_ARN,
  ruleResource,
  stackOf,
  tempStateDir,
} from './fixtures.ts';

export const admin: CallerIdentity = { kind: 'admin', accessKeyId: 'AKIDADMIN' };
export const archiveArn = 'arn:aws:events:us-east-1:000000000000:archive/orders-archive';

/** A function caller whose role carries these identity statements. */
export function functionCaller(statements: PolicyStatement[]): CallerIdentity {
  return {
    kind: 'function',
    functionName: 'publisher',
    roleArn: 'arn:aws:iam::000000000000:role/publisher-role',
    statements,
  };
}

/** Registers the cleanup of the bridges a test file builds; returns the function that builds one. */
export function useApiBridges() {
  const bridges: LocalEventBridgeService[] = [];
  afterEach(async () => {
    await Promise.all(bridges.splice(0).map((bridge) => bridge.stop()));
  });
  return function setup() {
    const queues = new FakeQueues();
    const bridge = createEventBridge({
      stack: stackOf(
        busResource(),
        ruleResource('orders-to-queue', {
          EventBusName: 'my-bus',
          Description: 'orders go to the queue',
          EventPattern: { source: ['app.orders'] },
          Targets: [{ Id: 'queue', Arn: QUEUE_ARN, RetryPolicy: { MaximumRetryAttempts: 3 } }],
        }),
        ruleResource('orders-audit', {
          EventBusName: 'my-bus',
          EventPattern: { source: ['app.orders'] },
          Targets: [{ Id: 'queue', Arn: QUEUE_ARN }],
        }),
        ruleResource('nightly', {
          ScheduleExpression: 'cron(0 2 * * ? *)',
          Targets: [{ Id: 'q', Arn: QUEUE_ARN }],
        }),
        archiveResource('orders-archive', { SourceArn: BUS_ARN, RetentionDays: 7 }),
      ),
      lambda: new FakeLambda(),
      queues,
      log: new MemoryLog(),
      stateDir: tempStateDir(),
      retryBaseDelayMs: 1,
    });
    bridges.push(bridge);
    return { bridge, queues };
  };
}
