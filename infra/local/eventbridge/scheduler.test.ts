// Scheduled rules: rate() and cron() firing, the scheduled event, and stopping.
import { describe, expect, it, vi } from 'vitest';
import { useBridges } from './test-support/bridge.ts';
import { QUEUE_ARN, ruleArn, ruleResource } from './test-support/fixtures.ts';

const setup = useBridges();

describe('scheduled rules', () => {
  it('fires a rate() rule at start, then every period', async () => {
    // Prepare
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const { bridge, queues } = setup([
      ruleResource('tick', {
        ScheduleExpression: 'rate(1 minute)',
        Targets: [{ Id: 'q', Arn: QUEUE_ARN }],
      }),
    ]);
    // Act
    bridge.start();
    await vi.advanceTimersByTimeAsync(120_000);
    // Assess
    expect(queues.to(QUEUE_ARN).map((m) => JSON.parse(m.body).time)).toEqual([
      '2026-01-01T00:00:00Z',
      '2026-01-01T00:01:00Z',
      '2026-01-01T00:02:00Z',
    ]);
  });

  it('sends the scheduled event envelope AWS sends', async () => {
    // Prepare
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const { bridge, queues } = setup([
      ruleResource('tick', { ScheduleExpression: 'rate(5 minutes)', Targets: [{ Id: 'q', Arn: QUEUE_ARN }] }),
    ]);
    // Act
    bridge.start();
    await vi.advanceTimersByTimeAsync(0);
    // Assess
    expect(JSON.parse(queues.to(QUEUE_ARN)[0]?.body ?? '')).toMatchObject({
      version: '0',
      source: 'aws.events',
      'detail-type': 'Scheduled Event',
      account: '000000000000',
      region: 'us-east-1',
      resources: [ruleArn('tick', 'default')],
      detail: {},
    });
  });

  it('fires a cron() rule at its next matching minute', async () => {
    // Prepare
    vi.useFakeTimers({ now: new Date('2026-01-01T09:58:30Z') });
    const { bridge, queues } = setup([
      ruleResource('daily', {
        ScheduleExpression: 'cron(0 10 * * ? *)',
        Targets: [{ Id: 'q', Arn: QUEUE_ARN }],
      }),
    ]);
    // Act
    bridge.start();
    await vi.advanceTimersByTimeAsync(3 * 60_000);
    // Assess
    expect(queues.to(QUEUE_ARN).map((m) => JSON.parse(m.body).time)).toEqual(['2026-01-01T10:00:00Z']);
  });

  it('does not fire a disabled scheduled rule', async () => {
    // Prepare
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const { bridge, queues } = setup([
      ruleResource('off', {
        ScheduleExpression: 'rate(1 minute)',
        State: 'DISABLED',
        Targets: [{ Id: 'q', Arn: QUEUE_ARN }],
      }),
    ]);
    // Act
    bridge.start();
    await vi.advanceTimersByTimeAsync(120_000);
    // Assess
    expect(queues.sent).toEqual([]);
  });

  it('stops firing after stop()', async () => {
    // Prepare
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const { bridge, queues } = setup([
      ruleResource('tick', { ScheduleExpression: 'rate(1 minute)', Targets: [{ Id: 'q', Arn: QUEUE_ARN }] }),
    ]);
    bridge.start();
    await vi.advanceTimersByTimeAsync(0);
    // Act
    await bridge.stop();
    await vi.advanceTimersByTimeAsync(300_000);
    // Assess
    expect(queues.sent).toHaveLength(1);
  });
});
