import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListQueuesCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePortRange } from '../../infra/local/ports.ts';
import { type CloudProcess, startCloudProcess, tokenFromState } from '../support/cloud-process.ts';
import { scheduleRequest, waitFor } from '../support/e2e.ts';
import { ROOT } from '../support/local-cloud.ts';

// The local cloud loses nothing when it crashes (docs/architecture.md, "the local cloud"): the
// system runs as `npm start` runs it, in a process group of its own; deliveries are accepted, the
// whole group is killed with SIGKILL at once, and a restart on the same state folder completes
// every delivery that got its 202. Only the public API is used: POST, status and history.

const DELIVERIES = 5;
const TERMINAL = new Set(['Completed', 'Failed', 'Cancelled']);

const isoAfter = (ms: number) => new Date(Date.now() + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

// The fields of the public API's answers that this test reads.
interface Answer {
  status: number;
  body?: { deliveryId?: string; stage?: string; failureReason?: string; items?: { type: string }[] };
}

async function call(baseUrl: string, token: string, method: string, route: string, body?: unknown) {
  const response = await fetch(`${baseUrl}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined } as Answer;
}

const RUN_VISIBILITY_SECONDS = 35;

/** Sets every queue's visibility timeout to RUN_VISIBILITY_SECONDS through the edge's SQS API. */
async function shortenVisibility(edgeUrl: string): Promise<void> {
  const sqs = new SQSClient({
    endpoint: edgeUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
  for (const QueueUrl of QueueUrls) {
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl,
        Attributes: { VisibilityTimeout: String(RUN_VISIBILITY_SECONDS) },
      }),
    );
  }
  sqs.destroy();
}

describe('a crash of the whole local cloud', () => {
  const { cloudAssemblyDir } = inject('synthesis');
  // A message received just before the crash stays hidden until its visibility timeout ends (as on
  // AWS, where its consumer died); then the workflow and the flight run on a busy machine. The test
  // shortens every queue's visibility timeout to RUN_VISIBILITY_SECONDS (still above the longest
  // consumer's 30 s timeout), as the chaos run does, so that this wait is not the templates' minutes.
  const settleMs = (RUN_VISIBILITY_SECONDS + 180) * 1000;
  const workDir = path.join(ROOT, '.local', 'e2e');
  const running: CloudProcess[] = [];
  let stateDir: string;
  let ports: { edgePort: number; apiBasePort: number };

  const start = async (run: number) => {
    const cloud = await startCloudProcess({
      cloudAssemblyDir,
      stateDir,
      ...ports,
      logFile: path.join(workDir, `crash-restart-${run}.log`),
    });
    running.push(cloud);
    return cloud;
  };

  beforeAll(async () => {
    await mkdir(workDir, { recursive: true });
    stateDir = await mkdtemp(path.join(tmpdir(), 'drone-delivery-crash-'));
    // The same ports for both runs, as `npm start` uses: a restart is not a new cloud.
    const base = await freePortRange(3);
    ports = { edgePort: base, apiBasePort: base + 1 };
  });

  afterAll(async () => {
    for (const cloud of running.splice(0)) await cloud.stop();
    await rm(stateDir, { recursive: true, force: true });
  }, 120_000);

  it(
    'completes every delivery accepted just before SIGKILL, each once',
    async () => {
      // Prepare
      const first = await start(1);
      await shortenVisibility(`http://127.0.0.1:${ports.edgePort}`);
      const token = await tokenFromState(stateDir, 'acct-demo');
      // Drones are booked in time: a pickup now with hours to spare is one the fleet can always serve.
      const request = scheduleRequest({ pickupTime: isoAfter(0), deadline: isoAfter(3 * 3600_000) });
      const accepted = await Promise.all(
        Array.from({ length: DELIVERIES }, () =>
          call(first.publicApiUrl, token, 'POST', '/v1/deliveries', request),
        ),
      );

      // Act
      await first.crash();
      running.splice(running.indexOf(first), 1);
      const second = await start(2);
      const ids = accepted.map((answer) => answer.body?.deliveryId ?? '');
      const finals = await Promise.all(
        ids.map((id) =>
          waitFor(
            () => call(second.publicApiUrl, token, 'GET', `/v1/deliveries/${id}`),
            (answer) => TERMINAL.has(answer.body?.stage ?? ''),
            settleMs,
          ),
        ),
      );
      const histories = await Promise.all(
        ids.map((id) =>
          waitFor(
            () => call(second.publicApiUrl, token, 'GET', `/v1/deliveries/${id}/history`),
            (answer) =>
              (answer.body?.items ?? []).some((item: { type: string }) => item.type === 'DeliveryCompleted'),
            60_000,
          ),
        ),
      );

      // Assess
      expect(accepted.map((answer) => answer.status)).toEqual(Array(DELIVERIES).fill(202));
      // A stage other than Completed says why, so that a failure here tells a lost request from a refusal.
      const outcomes = finals.map(({ status, body }) =>
        body?.failureReason ? `${body.stage} (${body.failureReason})` : (body?.stage ?? `HTTP ${status}`),
      );
      expect(outcomes).toEqual(Array(DELIVERIES).fill('Completed'));
      for (const history of histories) {
        const types = (history.body?.items ?? []).map((item) => item.type);
        expect(types.filter((type) => type === 'DeliveryCreated')).toHaveLength(1);
        expect(types.filter((type) => type === 'DeliveryCompleted')).toHaveLength(1);
      }
    },
    // Two starts of the whole system, then the settling above.
    (RUN_VISIBILITY_SECONDS + 180) * 1000 + 600_000,
  );
});
