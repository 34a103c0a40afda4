import { describe, expect, it } from 'vitest';
import { ARCHIVE_REPLAY_USAGE, parseArchiveReplayArgs, runArchiveReplayCli } from './archive-replay.ts';
import { testIo } from './test-support.ts';

describe('parseArchiveReplayArgs', () => {
  it('ends the window now when --to is not given', () => {
    const now = new Date('2026-01-01T12:00:00Z');

    const args = parseArchiveReplayArgs(['--archive', 'a', '--from', '2026-01-01T10:00:00Z'], now);

    expect(args).toMatchObject({
      archive: 'a',
      from: new Date('2026-01-01T10:00:00Z'),
      to: now,
      timeoutMs: 60_000,
    });
  });

  it('refuses a window that ends before it starts', () => {
    expect(() =>
      parseArchiveReplayArgs(['--from', '2026-01-02T00:00:00Z', '--to', '2026-01-01T00:00:00Z']),
    ).toThrow('--from must be before --to');
  });

  it('refuses a time that is not ISO 8601', () => {
    expect(() => parseArchiveReplayArgs(['--from', 'yesterday'])).toThrow(
      '--from must be an ISO 8601 time, got "yesterday"',
    );
  });
});

describe('runArchiveReplayCli', () => {
  it('prints the usage on --help', async () => {
    const { io, stdout } = testIo();

    expect(await runArchiveReplayCli(['--help'], io)).toBe(0);
    expect(stdout()).toBe(ARCHIVE_REPLAY_USAGE);
  });

  it('exits 2 with one line without --from', async () => {
    const { io, stderr } = testIo();

    expect(await runArchiveReplayCli(['--archive', 'a'], io)).toBe(2);
    expect(stderr()).toBe('archive-replay: --from is required (see --help)\n');
  });
});
