// Archives: which events each archive keeps in its JSON-lines file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADMIN, ARCHIVE_ARN, archiveSetup, useBridges, waitForReplay } from './test-support/bridge.ts';
import { BUS_ARN, entry } from './test-support/fixtures.ts';

const setup = useBridges();

describe('archive', () => {
  it('appends archived events to a JSON-lines file in the state folder', async () => {
    // Prepare
    const { bridge, stateDir } = archiveSetup(setup);
    // Act
    const { Entries } = await bridge.putEvents([entry()]);
    // Assess
    const lines = readFileSync(join(stateDir, 'archive-orders-archive.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).event.id)).toEqual([Entries[0]?.EventId]);
  });

  it('only archives events matching the archive pattern', async () => {
    // Prepare
    const { bridge, stateDir } = archiveSetup(setup);
    // Act
    await bridge.putEvents([entry({ Source: 'app.other' })]);
    // Assess
    expect(() => readFileSync(join(stateDir, 'archive-orders-archive.jsonl'), 'utf8')).toThrow();
  });

  it('does not archive replayed events again', async () => {
    // Prepare
    const { bridge, stateDir } = archiveSetup(setup);
    await bridge.putEvents([entry()]);
    // Act
    await bridge.handle(
      'StartReplay',
      {
        ReplayName: 'once',
        EventSourceArn: ARCHIVE_ARN,
        EventStartTime: Date.parse('2025-12-31T00:00:00Z') / 1000,
        EventEndTime: Date.parse('2026-01-02T00:00:00Z') / 1000,
        Destination: { Arn: BUS_ARN },
      },
      ADMIN,
    );
    await waitForReplay(bridge, 'once');
    // Assess
    expect(
      readFileSync(join(stateDir, 'archive-orders-archive.jsonl'), 'utf8').trim().split('\n'),
    ).toHaveLength(1);
  });
});
