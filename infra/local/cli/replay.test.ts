import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseReplayArgs, REPLAY_USAGE, runReplayCli } from './replay.ts';
import { testIo } from './test-support.ts';

const envelope = {
  id: 'fx-1',
  source: 'app.orders',
  'detail-type': 'OrderPlaced',
  time: '2026-01-01T10:00:00Z',
  detail: { orderId: 'o-1' },
};

function fixture(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'replay-cli-')), 'fixture.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

const outcome = {
  eventId: 'e-1',
  source: 'app.orders',
  detailType: 'OrderPlaced',
  eventBusName: 'bus',
  receivedAt: '2026-01-01T10:00:00.000Z',
  matchedRules: ['orders-rule'],
  targets: [],
  settled: true,
  failed: false,
};

function cloudAnswers(failed = false) {
  return (call: { url: string }) =>
    call.url.endsWith('/_local/replay')
      ? {
          body: {
            bus: 'bus',
            events: [
              {
                index: 0,
                originalId: 'fx-1',
                source: 'app.orders',
                detailType: 'OrderPlaced',
                eventId: 'e-1',
              },
            ],
          },
        }
      : { body: { settled: true, events: [{ ...outcome, failed }] } };
}

describe('parseReplayArgs', () => {
  it('takes --speed as original spacing made faster', () => {
    expect(parseReplayArgs(['f.json', '--speed', '10'])).toMatchObject({
      target: 'f.json',
      spacing: 'original',
      speed: 10,
    });
  });

  it('waits 30 seconds for the outcomes by default', () => {
    expect(parseReplayArgs(['f.json']).timeoutMs).toBe(30_000);
  });
});

describe('runReplayCli', () => {
  it('prints the usage on --help', async () => {
    const { io, stdout } = testIo();

    const code = await runReplayCli(['--help'], io);

    expect(code).toBe(0);
    expect(stdout()).toBe(REPLAY_USAGE);
  });

  it('exits 2 with one line for an unknown option', async () => {
    const { io, stderr } = testIo();

    const code = await runReplayCli(['f.json', '--fast'], io);

    expect(code).toBe(2);
    expect(stderr()).toBe("replay: Unknown option '--fast' (see --help)\n");
  });

  it('exits 2 for a spacing it does not know', async () => {
    const { io } = testIo();

    expect(await runReplayCli(['f.json', '--spacing', 'slow'], io)).toBe(2);
  });

  it('exits 2 without a fixture', async () => {
    const { io, stderr } = testIo();

    expect(await runReplayCli([], io)).toBe(2);
    expect(stderr()).toBe('replay: give a fixture file or folder (see --help)\n');
  });

  it('refuses a malformed fixture with its path and reason, sending nothing', async () => {
    const { io, calls, stderr } = testIo();
    const file = fixture([envelope, { source: 'app.orders', detail: {} }]);

    const code = await runReplayCli([file], io);

    expect(code).toBe(1);
    expect(stderr()).toBe(`replay: fixture refused, nothing was sent: ${file} [1]: detail-type is missing\n`);
    expect(calls).toEqual([]);
  });

  it('refuses what the application loader refuses, sending nothing', async () => {
    const { io, calls, stderr } = testIo();

    const code = await runReplayCli(['any.json'], io, {
      load: () => {
        throw new Error('any.json [0] at detail.orderId: Required');
      },
    });

    expect(code).toBe(1);
    expect(stderr()).toContain('any.json [0] at detail.orderId: Required');
    expect(calls).toEqual([]);
  });

  it('sends the envelopes and reports the matched rules', async () => {
    const { io, calls, stdout } = testIo(cloudAnswers());

    const code = await runReplayCli([fixture(envelope)], io);

    expect(code).toBe(0);
    expect(calls.map((call) => call.url)).toEqual([
      'http://127.0.0.1:9/_local/replay',
      'http://127.0.0.1:9/_local/outcomes',
    ]);
    expect(stdout()).toContain('[1] OrderPlaced (app.orders) fixture fx-1 → event e-1: matched orders-rule');
  });

  it('exits 1 when an event ended in a dead-letter queue', async () => {
    const { io } = testIo(cloudAnswers(true));

    expect(await runReplayCli([fixture(envelope)], io)).toBe(1);
  });

  it('says in one line that the local cloud is not running', async () => {
    const { io, stderr } = testIo('unreachable');

    const code = await runReplayCli([fixture(envelope)], io);

    expect(code).toBe(1);
    expect(stderr()).toBe(
      'replay: cannot reach the local cloud at http://127.0.0.1:9 (ECONNREFUSED); is it running? (npm start)\n',
    );
  });
});
