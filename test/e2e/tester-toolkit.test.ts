import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { callApi, localCloud, scanTable, tokenFor, waitFor } from '../support/e2e.ts';

// The tester's toolkit (README "Testing locally") against the whole system: the CLIs as a tester
// runs them, and the local cloud's admin API on the edge.

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCENARIO = path.join(ROOT, 'events/fixtures/scenarios/delivery-completed.json');
const MALFORMED = path.join(ROOT, 'events/fixtures/invalid/missing-delivery-id.json');

function runCli(script: string, args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, LOCAL_STATE_DIR: localCloud().stateDir },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The scenario with a fresh delivery id and fresh event ids, so each test sees only its own events. */
function freshScenario(): { file: string; deliveryId: string } {
  const deliveryId = `d-e2e-${randomUUID().slice(0, 8)}`;
  let text = readFileSync(SCENARIO, 'utf8').replaceAll('d-fixture-0001', deliveryId);
  for (const [, id] of text.matchAll(/"id": "([0-9a-f-]{36})"/g))
    text = text.replaceAll(id ?? '', randomUUID());
  const file = path.join(tmpdir(), `${deliveryId}.json`);
  writeFileSync(file, text);
  return { file, deliveryId };
}

async function admin(method: string, route: string, body?: unknown) {
  const response = await fetch(`${localCloud().edgeUrl}/_local/${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function queueDepth(nameFragment: string): Promise<number> {
  const { body } = await admin('GET', 'dlqs');
  const queue = (body.queues ?? body).find((entry: { name: string }) => entry.name.endsWith(nameFragment));
  if (!queue) throw new Error(`no dead-letter queue ${nameFragment}`);
  return queue.depth;
}

async function historyOf(deliveryId: string) {
  const token = await tokenFor('acct-demo');
  return callApi('GET', `/v1/deliveries/${deliveryId}/history?limit=100`, { token });
}

describe('replay', () => {
  it('replays the scenario and reports the rules, targets and consumers of every event', async () => {
    const { file } = freshScenario();

    const run = runCli('scripts/replay.ts', [file, '--json', '--timeout', '60']);

    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.settled).toBe(true);
    const deliveryEvents = report.events.filter(
      (event: { source: string }) => event.source === 'drone-delivery.deliveries',
    );
    const droneEvents = report.events.filter(
      (event: { source: string }) => event.source === 'drone-delivery.drones',
    );
    expect(deliveryEvents.length).toBeGreaterThan(0);
    expect(droneEvents.length).toBeGreaterThan(0);
    for (const event of deliveryEvents) {
      // History, Notifications and the Scheduler's stage projection.
      expect(event.outcome.matchedRules).toHaveLength(3);
      expect(event.outcome.failed).toBe(false);
      expect(
        event.outcome.targets.every(
          (target: { consumer?: { status: string } }) => target.consumer?.status === 'succeeded',
        ),
      ).toBe(true);
    }
    for (const event of droneEvents) expect(event.outcome.matchedRules).toHaveLength(1);
  });

  it('refuses a malformed fixture before anything is sent', async () => {
    const archiveBefore = (await admin('GET', 'dlqs')).status;

    const run = runCli('scripts/replay.ts', [MALFORMED]);

    expect(archiveBefore).toBe(200);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('nothing was sent');
    expect(run.stderr).toContain('missing-delivery-id.json');
    expect(run.stderr).toContain('deliveryId');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const history = await historyOf('d-fixture-invalid');
    expect(history.status).toBe(404);
  });
});

describe('fault injection, dead-letter queues and redrive', () => {
  it('dead-letters a failing subscriber, then processes each event exactly once after redrive', async () => {
    const { file, deliveryId } = freshScenario();
    const sqs = new SQSClient({
      endpoint: localCloud().edgeUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'tester', secretAccessKey: 'tester' },
    });
    const historyQueue = `${localCloud().edgeUrl}/000000000000/DroneDelivery-dev-history-delivery-events`;
    // The deployed visibility timeout (minutes) would make five failed receives take a quarter hour.
    await sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: historyQueue, Attributes: { VisibilityTimeout: '1' } }),
    );
    const depthBefore = await queueDepth('history-delivery-events-dlq');

    const fault = runCli('infra/local/cli/faults.ts', [
      'add',
      '--function',
      'HistoryRecordEvent',
      '--error-rate',
      '1',
    ]);
    expect(fault.status, fault.stderr).toBe(0);
    const replay = runCli('scripts/replay.ts', [file, '--json', '--timeout', '60']);
    expect(replay.status).toBe(1);
    const deadLettered = await waitFor(
      () => queueDepth('history-delivery-events-dlq'),
      (depth) => depth >= depthBefore + 3,
      30_000,
    );
    expect(deadLettered - depthBefore).toBeGreaterThanOrEqual(3);
    expect((await historyOf(deliveryId)).status).toBe(404);

    expect(runCli('infra/local/cli/faults.ts', ['clear']).status).toBe(0);
    const redrive = runCli('infra/local/cli/dlq.ts', ['redrive', 'history-delivery-events-dlq']);
    expect(redrive.status, redrive.stderr).toBe(0);

    const history = await waitFor(
      () => historyOf(deliveryId),
      (answer) => answer.status === 200 && answer.body.items.length >= 3,
      30_000,
    );
    expect(history.body.items.map((item: { type: string }) => item.type)).toEqual([
      'DeliveryCreated',
      'DeliveryInTransit',
      'DeliveryCompleted',
    ]);
    const stored = (await scanTable('StatefulHistoryTable')).filter(
      (item) => item.pk === `DELIVERY#${deliveryId}` && String(item.sk).startsWith('EVENT#'),
    );
    expect(stored).toHaveLength(3);
    expect(await queueDepth('history-delivery-events-dlq')).toBe(0);
    sqs.destroy();
  });
});

describe('archive replay', () => {
  it('replays an archive window and delivers its events again', async () => {
    const from = new Date(Date.now() - 1_000).toISOString();
    const { file } = freshScenario();
    expect(runCli('scripts/replay.ts', [file, '--timeout', '60']).status).toBe(0);
    const to = new Date(Date.now() + 1_000).toISOString();

    const run = runCli('infra/local/cli/archive-replay.ts', [
      '--from',
      from,
      '--to',
      to,
      '--json',
      '--timeout',
      '60',
    ]);

    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.settled).toBe(true);
    expect(report.events.length).toBeGreaterThanOrEqual(17);
    for (const event of report.events) {
      expect(event.outcome.replayName).toBe(report.replayName);
      expect(event.outcome.matchedRules.length).toBeGreaterThan(0);
      expect(event.outcome.failed).toBe(false);
    }
  });
});
