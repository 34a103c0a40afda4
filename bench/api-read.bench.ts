// What a public API read costs through the local cloud: `GET /v1/deliveries/{id}` with a valid token
// (JWT check, route, payload 2.0 event, a warm Lambda worker running the Delivery service's handler,
// its GetItem signed, IAM-checked and forwarded by the edge to DynamoDB Local) against a raw
// `GetItem` of the same key with the AWS SDK on the same DynamoDB Local. The cloud is started once for
// both members, as the end-to-end runs start it (test/support/local-cloud.global.ts), from the cached
// synthesis: throughput over 10 keep-alive connections, and latency (p50, p99) over one.
import { deepStrictEqual } from 'node:assert/strict';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { storedDelivery } from '../functions/delivery/test-support/items.ts';
import { createLocalIssuer } from '../infra/local/auth/jwt.ts';
import { readLocalCloudState } from '../infra/local/auth/state.ts';
import { type LocalCloud, startLocalCloud } from '../infra/local/cloud.ts';
import { LOCAL_CREDENTIALS } from '../infra/local/dynamodb/dynamodb-local.ts';
import { createConsoleLogger } from '../infra/local/log.ts';
import type { LocalLogger } from '../infra/local/model.ts';
import { synthesizeOnce } from '../test/support/local-cloud.ts';
import type { BenchmarkFamily } from './family.ts';
import {
  type BenchmarkDefinition,
  type BenchmarkResult,
  formatDuration,
  type MeasureSettings,
  type PreparedBenchmark,
  quantile,
} from './harness.ts';
import { QuietLog } from './support.ts';

const ACCOUNT = 'acct-bench';
const DELIVERY_ID = 'bench-delivery-0001';
const DELIVERY_TABLE = 'StatefulDeliveryTable';
const CONNECTIONS = 10;
/** Reads per operation of the throughput member: each connection makes a tenth, one after the other. */
const READS_PER_OPERATION = 100;
/** Goals of the local cloud's read path, each against its baseline of the same run. */
const THROUGHPUT_GOAL = 0.5;
const P99_GOAL_MS = 10;

const SETTINGS: MeasureSettings = { warmupMs: 2_000, minSampleUs: 50, budgetMs: 20_000, maxRounds: 100_000 };

interface Answer {
  status: number;
  body: string;
}

/** A GET on a keep-alive agent, answered with its status and text. */
function get(agent: Agent, url: URL, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { agent, headers }, (incoming) => {
      let body = '';
      incoming.setEncoding('utf8');
      incoming.on('data', (chunk: string) => {
        body += chunk;
      });
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, body }));
      incoming.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** `count` callers, each repeating `run` `times` times one after the other. */
async function concurrently(count: number, times: number, run: () => Promise<unknown>): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async () => {
      for (let i = 0; i < times; i++) await run();
    }),
  );
}

/** A logger that writes to both. */
function both(first: LocalLogger, second: LocalLogger): LocalLogger {
  return {
    info: (message, fields) => {
      first.info(message, fields);
      second.info(message, fields);
    },
    warn: (message, fields) => {
      first.warn(message, fields);
      second.warn(message, fields);
    },
    error: (message, fields) => {
      first.error(message, fields);
      second.error(message, fields);
    },
  };
}

/** The running local cloud with one delivery stored, and a token of its owner. */
interface Fixture {
  cloud: LocalCloud;
  stateDir: string;
  logFile: WriteStream;
  log: QuietLog;
  apiUrl: URL;
  token: string;
  tableName: string;
  item: Record<string, unknown>;
}

async function startFixture(): Promise<Fixture> {
  const synthesis = await synthesizeOnce();
  const stateDir = await mkdtemp(path.join(tmpdir(), 'bench-api-read-'));
  // As in the end-to-end runs: the cloud's lines and the functions' output go to one log file.
  const logFile = createWriteStream(path.join(stateDir, 'local-cloud.log'));
  const log = new QuietLog();
  let cloud: LocalCloud | undefined;
  try {
    cloud = await startLocalCloud({
      cloudAssemblyDir: synthesis.outdir,
      stateDir,
      edgePort: 0,
      apiBasePort: 0,
      log: both(createConsoleLogger({ write: (line) => logFile.write(`${line}\n`) }), log),
      functionOutput: logFile,
    });
    const state = (await readLocalCloudState(stateDir)) as
      | (Awaited<ReturnType<typeof readLocalCloudState>> & { tables?: Record<string, string> })
      | undefined;
    const api = state?.apis[0];
    const authorizer = api?.authorizers[0];
    const audience = authorizer?.audience[0];
    if (!api || !authorizer || !audience)
      throw new Error('the template has no HTTP API with a JWT authorizer');
    const tableName = Object.entries(state?.tables ?? {}).find(([id]) => id.startsWith(DELIVERY_TABLE))?.[1];
    if (!tableName) throw new Error(`no ${DELIVERY_TABLE}* in the template`);
    const issuer = await createLocalIssuer({ stateDir });
    const token = await issuer.mint({
      issuer: authorizer.issuer,
      audience,
      sub: `user-${ACCOUNT}`,
      claims: { account_id: ACCOUNT },
    });
    const item = storedDelivery({ deliveryId: DELIVERY_ID, accountId: ACCOUNT });
    // Written straight into DynamoDB Local, as an administrator's write through the edge would be.
    const writer = rawClient(cloud.dynamodb.endpoint, new Agent({ keepAlive: false }));
    try {
      await writer.send(
        new PutItemCommand({ TableName: tableName, Item: marshall(item, { removeUndefinedValues: true }) }),
      );
    } finally {
      writer.destroy();
    }
    const apiUrl = new URL(`/v1/deliveries/${DELIVERY_ID}`, api.url);
    return { cloud, stateDir, logFile, log, apiUrl, token, tableName, item };
  } catch (error) {
    await cloud?.stop();
    logFile.end();
    await rm(stateDir, { recursive: true, force: true });
    throw error;
  }
}

async function stopFixture(fixture: Fixture): Promise<void> {
  await fixture.cloud.stop();
  await new Promise<void>((resolve) => fixture.logFile.end(() => resolve()));
  await rm(fixture.stateDir, { recursive: true, force: true });
}

function rawClient(endpoint: string, agent: Agent): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: agent }),
  });
}

/** Single-read latencies of both sides, counted once the harness's warm-up is over. */
class Latencies {
  readonly subject: number[] = [];
  readonly baseline: number[] = [];
  private countFrom = Number.POSITIVE_INFINITY;

  /** Counts the reads that start `afterMs` from now. */
  startAfter(afterMs: number): void {
    this.countFrom = performance.now() + afterMs;
  }

  timed<T>(side: 'subject' | 'baseline', run: () => Promise<T>): () => Promise<T> {
    return async () => {
      const started = performance.now();
      const value = await run();
      if (started >= this.countFrom) this[side].push(performance.now() - started);
      return value;
    };
  }
}

/** A member: the public API and a raw DynamoDB client, each over `connections` keep-alive connections. */
function member(
  fixture: Fixture,
  name: string,
  description: string,
  connections: number,
  latencies?: Latencies,
): BenchmarkDefinition {
  return {
    name,
    description,
    mode: 'async',
    async prepare(): Promise<PreparedBenchmark> {
      const { apiUrl, token, tableName, item } = fixture;
      const apiAgent = new Agent({ keepAlive: true, maxSockets: connections });
      const dynamoAgent = new Agent({ keepAlive: true, maxSockets: connections });
      const dynamodb = rawClient(fixture.cloud.dynamodb.endpoint, dynamoAgent);
      const headers = { authorization: `Bearer ${token}` };
      const key = marshall({ pk: item.pk, sk: item.sk });

      let readThroughApi = async () => {
        const answer = await get(apiAgent, apiUrl, headers);
        if (answer.status !== 200) throw new Error(`GET answered ${answer.status}: ${answer.body}`);
        return answer.body;
      };
      let readRaw = async () => {
        const output = await dynamodb.send(
          new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
        );
        if (!output.Item) throw new Error('GetItem found no item');
        return output.Item;
      };
      if (latencies) {
        readThroughApi = latencies.timed('subject', readThroughApi);
        readRaw = latencies.timed('baseline', readRaw);
      }
      const spread = (run: () => Promise<unknown>) =>
        connections === 1 ? run : () => concurrently(connections, READS_PER_OPERATION / connections, run);

      return {
        subject: { label: 'GET /v1/deliveries/{id} (local cloud)', run: spread(readThroughApi) },
        baseline: { label: 'GetItem (SDK → DynamoDB Local)', run: spread(readRaw) },
        async verify() {
          const body = JSON.parse(await readThroughApi()) as Record<string, unknown>;
          deepStrictEqual(
            { deliveryId: body.deliveryId, accountId: body.accountId, stage: body.stage },
            { deliveryId: DELIVERY_ID, accountId: ACCOUNT, stage: 'Requested' },
            'the API answered another delivery',
          );
          const raw = await readRaw();
          deepStrictEqual(raw.deliveryId, { S: DELIVERY_ID }, 'GetItem read another item');
          // The first reads start the function's execution environments; every measured one is warm.
          await concurrently(connections, 20, readThroughApi);
          await concurrently(connections, 20, readRaw);
          fixture.log.assertClean('the local cloud');
          latencies?.startAfter(SETTINGS.warmupMs);
        },
        async dispose() {
          apiAgent.destroy();
          dynamodb.destroy();
          fixture.log.assertClean('the local cloud');
        },
      };
    },
  };
}

function summary(results: readonly BenchmarkResult[], latencies: Latencies): string {
  const [throughput, latency] = results;
  if (!throughput || !latency) return '';
  const perSecond = (ns: number) => (READS_PER_OPERATION / (ns / 1e9)).toFixed(0);
  const ratio = 1 / throughput.roundRatio;
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const subject = sorted(latencies.subject);
  const baseline = sorted(latencies.baseline);
  const ms = (value: number) => formatDuration(value * 1e6);
  const p99 = quantile(subject, 0.99);
  const verdict = (ok: boolean) => (ok ? 'met' : 'not met');
  return [
    '## api-read: the local cloud’s read path',
    '',
    `- ${CONNECTIONS} connections: ${perSecond(throughput.subject.medianNs)} req/s through the local cloud vs ` +
      `${perSecond(throughput.baseline.medianNs)} req/s raw GetItem (medians of ${throughput.rounds} rounds of ` +
      `${READS_PER_OPERATION} reads each side); throughput ratio ${ratio.toFixed(2)}× (median of per-round ` +
      `ratios; goal ≥ ${THROUGHPUT_GOAL}×: ${verdict(ratio >= THROUGHPUT_GOAL)}).`,
    `- 1 connection: p50 ${ms(quantile(subject, 0.5))}, p99 ${ms(p99)} through the local cloud vs ` +
      `p50 ${ms(quantile(baseline, 0.5))}, p99 ${ms(quantile(baseline, 0.99))} raw GetItem ` +
      `(${subject.length} / ${baseline.length} reads after warm-up; goal p99 ≤ ${P99_GOAL_MS} ms: ` +
      `${verdict(p99 <= P99_GOAL_MS)}).`,
    '',
  ].join('\n');
}

export const apiRead: BenchmarkFamily = {
  name: 'api-read',
  description:
    'GET /v1/deliveries/{id} through the local cloud (JWT, gateway, Lambda worker, edge with SigV4 and IAM, DynamoDB Local) vs a raw GetItem of the same key on the same DynamoDB Local',
  settings: SETTINGS,
  async expand() {
    const fixture = await startFixture();
    const latencies = new Latencies();
    return {
      definitions: [
        member(
          fixture,
          'api-read',
          `${READS_PER_OPERATION} reads of one delivery over ${CONNECTIONS} keep-alive connections: GET /v1/deliveries/{id} through the local cloud vs raw GetItem of the same key on the same DynamoDB Local (time ratio = inverse throughput ratio)`,
          CONNECTIONS,
        ),
        member(
          fixture,
          'api-read-latency',
          'one read of one delivery on one keep-alive connection: GET /v1/deliveries/{id} through the local cloud vs raw GetItem of the same key on the same DynamoDB Local',
          1,
          latencies,
        ),
      ],
      summary: (results) => summary(results, latencies),
      dispose: () => stopFixture(fixture),
    };
  },
};
