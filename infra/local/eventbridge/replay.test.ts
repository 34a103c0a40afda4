// Replays: an archive's events of a time window put back on their bus, to all or some of its rules.
import { describe, expect, it } from 'vitest';
import { ADMIN, ARCHIVE_ARN, archiveSetup, useBridges, waitForReplay } from './test-support/bridge.ts';
import { BUS_ARN, entry, QUEUE_ARN, ruleArn, tempStateDir } from './test-support/fixtures.ts';

const setup = useBridges();

describe('replay', () => {
  it('replays the events of the time window to the matching rules with a replay-name', async () => {
    // Prepare
    const { bridge, queues, setClock } = archiveSetup(setup);
    setClock('2026-01-01T00:00:00Z');
    await bridge.putEvents([entry({ Detail: '{"n":1}' })]);
    setClock('2026-01-01T01:00:00Z');
    await bridge.putEvents([entry({ Detail: '{"n":2}' })]);
    setClock('2026-01-01T02:00:00Z');
    await bridge.putEvents([entry({ Detail: '{"n":3}' })]);
    await bridge.settled();
    queues.sent.length = 0;
    // Act
    await bridge.handle(
      'StartReplay',
      {
        ReplayName: 'window',
        EventSourceArn: ARCHIVE_ARN,
        EventStartTime: Date.parse('2026-01-01T00:30:00Z') / 1000,
        EventEndTime: Date.parse('2026-01-01T01:30:00Z') / 1000,
        Destination: { Arn: BUS_ARN },
      },
      ADMIN,
    );
    const replay = await waitForReplay(bridge, 'window');
    // Assess
    expect(replay.State).toBe('COMPLETED');
    expect(queues.to(QUEUE_ARN).map((m) => JSON.parse(m.body))).toEqual([
      expect.objectContaining({ detail: { n: 2 }, 'replay-name': 'window' }),
    ]);
  });

  it('replays only to the rules named in FilterArns', async () => {
    // Prepare
    const { bridge, queues, lambda } = archiveSetup(setup);
    await bridge.putEvents([entry()]);
    await bridge.settled();
    queues.sent.length = 0;
    lambda.invocations.length = 0;
    // Act
    await bridge.handle(
      'StartReplay',
      {
        ReplayName: 'filtered',
        EventSourceArn: ARCHIVE_ARN,
        EventStartTime: Date.parse('2025-12-31T00:00:00Z') / 1000,
        EventEndTime: Date.parse('2026-01-02T00:00:00Z') / 1000,
        Destination: { Arn: BUS_ARN, FilterArns: [ruleArn('other')] },
      },
      ADMIN,
    );
    await waitForReplay(bridge, 'filtered');
    // Assess
    expect({ queue: queues.sent.length, lambda: lambda.invocations.length }).toEqual({ queue: 0, lambda: 1 });
  });

  it('replays events archived before a restart', async () => {
    // Prepare
    const stateDir = tempStateDir();
    const first = archiveSetup(setup, stateDir);
    const { Entries } = await first.bridge.putEvents([entry()]);
    await first.bridge.stop();
    const second = archiveSetup(setup, stateDir);
    // Act
    await second.bridge.handle(
      'StartReplay',
      {
        ReplayName: 'after-restart',
        EventSourceArn: ARCHIVE_ARN,
        EventStartTime: Date.parse('2025-12-31T00:00:00Z') / 1000,
        EventEndTime: Date.parse('2026-01-02T00:00:00Z') / 1000,
        Destination: { Arn: BUS_ARN },
      },
      ADMIN,
    );
    await waitForReplay(second.bridge, 'after-restart');
    // Assess
    expect(second.queues.to(QUEUE_ARN).map((m) => JSON.parse(m.body).id)).toEqual([Entries[0]?.EventId]);
  });

  it('records replayed deliveries in the history of the original event id', async () => {
    // Prepare
    const { bridge } = archiveSetup(setup);
    const { Entries } = await bridge.putEvents([entry()]);
    // Act
    await bridge.handle(
      'StartReplay',
      {
        ReplayName: 'history',
        EventSourceArn: ARCHIVE_ARN,
        EventStartTime: Date.parse('2025-12-31T00:00:00Z') / 1000,
        EventEndTime: Date.parse('2026-01-02T00:00:00Z') / 1000,
        Destination: { Arn: BUS_ARN },
      },
      ADMIN,
    );
    await waitForReplay(bridge, 'history');
    // Assess
    expect(bridge.history(Entries[0]?.EventId ?? '').map((h) => h.replayName)).toEqual([
      undefined,
      'history',
    ]);
  });
});
