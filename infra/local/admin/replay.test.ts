import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AdminClientError } from './client.ts';
import type { EventOutcome } from './observer.ts';
import {
  delaysFor,
  EnvelopeFileError,
  formatReplayReport,
  loadEnvelopeFiles,
  replayEnvelopes,
  replayFailed,
} from './replay.ts';
import {
  ARCHIVE,
  BUS,
  BUS_ARN,
  CONSUMER,
  type MiniCloud,
  orderEnvelope,
  RULE,
  startMiniCloud,
} from './test-support.ts';

let cloud: MiniCloud | undefined;

afterEach(async () => {
  await cloud?.stop();
  cloud = undefined;
});

const files = (...envelopes: unknown[]) => [{ file: 'orders.json', envelopes }];
const options = { spacing: 'none' as const, speed: 1, timeoutMs: 8000 };

describe('replayEnvelopes against a running stack', () => {
  it('reports the matched rule, the delivered target and the consumer success', async () => {
    cloud = await startMiniCloud();

    const report = await replayEnvelopes(cloud.client, files(orderEnvelope('o-1')), options);

    const event = report.events[0];
    expect(report.bus).toBe(BUS);
    expect(report.settled).toBe(true);
    expect(event?.outcome?.matchedRules).toEqual([RULE]);
    expect(event?.outcome?.targets[0]).toMatchObject({
      status: 'delivered',
      consumer: { status: 'succeeded', failures: 0, functionNames: [CONSUMER] },
    });
    expect(replayFailed(report)).toBe(false);
  });

  it('sends the envelopes in file order', async () => {
    cloud = await startMiniCloud();

    const report = await replayEnvelopes(
      cloud.client,
      files(orderEnvelope('o-1'), orderEnvelope('o-2'), orderEnvelope('o-3')),
      options,
    );

    const received = report.events.map((event) => event.outcome?.receivedAt ?? '');
    expect(report.events.map((event) => event.originalId)).toEqual([
      'fixture-o-1',
      'fixture-o-2',
      'fixture-o-3',
    ]);
    expect([...received].sort()).toEqual(received);
  });

  it('reports a consumer that failed once and then succeeded as retried', async () => {
    cloud = await startMiniCloud({ maxReceiveCount: 3 });
    let calls = 0;
    cloud.host.respond = () => {
      calls += 1;
      return calls === 1
        ? { ok: false, errorType: 'Error', errorMessage: 'flaky' }
        : { ok: true, payload: null };
    };

    const report = await replayEnvelopes(cloud.client, files(orderEnvelope('o-1')), options);

    expect(report.events[0]?.outcome?.targets[0]?.consumer).toMatchObject({
      status: 'succeeded',
      failures: 1,
      lastError: 'Error: flaky',
    });
    expect(formatReplayReport(report)).toContain('1 retried then success');
  });

  it('reports a consumer that always fails as dead-lettered and fails the replay', async () => {
    cloud = await startMiniCloud({ maxReceiveCount: 2 });
    cloud.host.respond = () => ({ ok: false, errorType: 'InjectedFault', errorMessage: 'Fault injected' });

    const report = await replayEnvelopes(cloud.client, files(orderEnvelope('o-1')), options);

    expect(report.events[0]?.outcome?.targets[0]?.consumer).toMatchObject({
      status: 'dead-lettered',
      failures: 2,
      deadLetterArn: expect.stringContaining('orders-dlq'),
    });
    expect(replayFailed(report)).toBe(true);
    expect(formatReplayReport(report)).toContain('dead-lettered to orders-dlq');
  });

  it('sends nothing when one envelope is malformed', async () => {
    cloud = await startMiniCloud();
    const malformed = { ...orderEnvelope('o-2'), detail: 'not an object' };

    const attempt = replayEnvelopes(cloud.client, files(orderEnvelope('o-1'), malformed), options);

    await expect(attempt).rejects.toBeInstanceOf(AdminClientError);
    expect(cloud.admin.observer.reports()).toEqual([]);
  });
});

describe('outcomes of an archive replay', () => {
  it('reports what the replayed events did, by the replay name', async () => {
    cloud = await startMiniCloud();
    const from = new Date(Date.now() - 1000);
    await replayEnvelopes(cloud.client, files(orderEnvelope('o-1'), orderEnvelope('o-2')), options);
    const admin = { kind: 'admin' as const, accessKeyId: 'test' };

    const started = await cloud.events.handle(
      'StartReplay',
      {
        ReplayName: 'window-1',
        EventSourceArn: `arn:aws:events:us-east-1:000000000000:archive/${ARCHIVE}`,
        EventStartTime: from.getTime() / 1000,
        EventEndTime: Date.now() / 1000 + 1,
        Destination: { Arn: BUS_ARN },
      },
      admin,
    );
    await cloud.events.settled();
    const outcomes = await cloud.client.request<{ settled: boolean; events: EventOutcome[] }>(
      'POST',
      '/outcomes',
      {
        replayName: 'window-1',
        timeoutMs: 8000,
      },
    );

    expect(started.status).toBe(200);
    expect(outcomes.settled).toBe(true);
    expect(outcomes.events.map((event) => [event.replayName, event.targets[0]?.consumer?.status])).toEqual([
      ['window-1', 'succeeded'],
      ['window-1', 'succeeded'],
    ]);
  });
});

describe('delaysFor', () => {
  const at = (time: string) => ({ time });

  it('keeps the gaps between the envelopes times with original spacing', () => {
    expect(delaysFor([at('2026-01-01T10:00:00Z'), at('2026-01-01T10:00:05Z')], 'original', 1)).toEqual([
      0, 5000,
    ]);
  });

  it('divides the gaps by the speed', () => {
    expect(delaysFor([at('2026-01-01T10:00:00Z'), at('2026-01-01T10:00:05Z')], 'original', 10)).toEqual([
      0, 500,
    ]);
  });

  it('waits nothing without spacing', () => {
    expect(delaysFor([at('2026-01-01T10:00:00Z'), at('2026-01-01T10:00:05Z')], 'none', 1)).toEqual([0, 0]);
  });
});

describe('loadEnvelopeFiles', () => {
  it('reads the json files of a folder in name order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fixtures-'));
    writeFileSync(join(dir, 'b.json'), JSON.stringify([orderEnvelope('o-2')]));
    writeFileSync(join(dir, 'a.json'), JSON.stringify(orderEnvelope('o-1')));

    const loaded = loadEnvelopeFiles(dir);

    expect(loaded.map((file) => file.file)).toEqual([join(dir, 'a.json'), join(dir, 'b.json')]);
  });

  it('refuses a file whose envelope has no detail-type, naming the path and index', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fixtures-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify([orderEnvelope('o-1'), { source: 'app.orders', detail: {} }]));

    expect(() => loadEnvelopeFiles(file)).toThrow(
      new EnvelopeFileError(`${file} [1]: detail-type is missing`),
    );
  });
});
