import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createLocalIssuer } from '../../infra/local/auth/jwt.ts';
import { readLocalCloudState } from '../../infra/local/auth/state.ts';
import { type LocalCloud, resourceNames, startLocalCloud } from '../../infra/local/cloud.ts';
import { createConsoleLogger } from '../../infra/local/log.ts';
import type { LocalLogger } from '../../infra/local/model.ts';
import { assemblyProblems } from '../../infra/local/synth/cache.ts';
import { ROOT, synthesizeOnce, TEST_CLOUD_ASSEMBLY } from '../support/local-cloud.ts';

// The chaos suite's own local cloud: the test runs' shared synthesis (synthesized only when the app
// changed), started in-process on free ports with a fresh state folder (so it collides neither with
// `npm start` nor with the e2e project), and an administrator's view of its tables, queues and logs.

/** A running chaos cloud and what the runner reads from it. */
export interface ChaosCloud {
  cloud: LocalCloud;
  stateDir: string;
  workDir: string;
  publicApiUrl: string;
  /** Physical names of the stack's tables and queues, by logical id. */
  names: ReturnType<typeof resourceNames>;
  /** A bearer token for a user of `accountId`. */
  tokenFor(accountId: string): Promise<string>;
  /** Every item of the table whose logical id starts with `logicalIdPrefix`. */
  scanTable(logicalIdPrefix: string): Promise<Record<string, unknown>[]>;
  /** One item of a table, read consistently. */
  getItem(
    logicalIdPrefix: string,
    key: { pk: string; sk: string },
  ): Promise<Record<string, unknown> | undefined>;
  /** Visible plus in-flight messages of the queue whose name ends with `nameSuffix`. */
  queueDepth(nameSuffix: string): Promise<number>;
  /** The physical name of the function whose logical id starts with `logicalIdPrefix`. */
  functionName(logicalIdPrefix: string): string;
  stop(): Promise<void>;
}

export interface StartChaosCloudOptions {
  /** Where the logs go (default `.local/chaos`). */
  workDir?: string;
  /**
   * Run the shared test synthesis as it is when it is complete, even if the app changed since
   * (default false: it is synthesized again when anything it is made from changed).
   */
  reuseSynth?: boolean;
  /** Keep the temporary state folder after stopping (default false). */
  keepState?: boolean;
}

/** Synthesizes the app (unless unchanged or reused) and starts it in a local cloud of its own. */
export async function startChaosCloud(options: StartChaosCloudOptions = {}): Promise<ChaosCloud> {
  const workDir = options.workDir ?? path.join(ROOT, '.local', 'chaos');
  await mkdir(workDir, { recursive: true });
  const reusable = options.reuseSynth && (await assemblyProblems(TEST_CLOUD_ASSEMBLY)).length === 0;
  const cloudAssemblyDir = reusable ? TEST_CLOUD_ASSEMBLY : (await synthesizeOnce()).outdir;

  const stateDir = await mkdtemp(path.join(tmpdir(), 'drone-delivery-chaos-'));
  const logFile = createWriteStream(path.join(workDir, 'local-cloud.log'));
  const functionOutput = createWriteStream(path.join(workDir, 'functions.log'));
  // The fault lines the host logs go to the cloud's log file; the console stays for the report.
  const log: LocalLogger = createConsoleLogger({ write: (line) => logFile.write(`${line}\n`) });
  const cloud = await startLocalCloud({
    cloudAssemblyDir,
    stateDir,
    edgePort: 0,
    apiBasePort: 0,
    log,
    functionOutput,
  });
  const publicApiUrl = cloud.urls.apis[0]?.url;
  if (!publicApiUrl) throw new Error('the template has no HTTP API');
  const names = resourceNames(cloud.stack);
  const dynamo = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: cloud.urls.edge,
      region: 'us-east-1',
      // DynamoDB Local accepts only letters and digits in access keys; any non-function key is an admin.
      credentials: { accessKeyId: 'chaosadmin', secretAccessKey: 'chaosadmin' },
    }),
  );
  const state = (await readLocalCloudState(stateDir)) as
    | { apis: { authorizers: { issuer: string; audience: string[] }[] }[] }
    | undefined;
  const authorizer = state?.apis.flatMap((api) => api.authorizers)[0];
  if (!authorizer?.audience[0]) throw new Error('no JWT authorizer in the template');
  const issuer = await createLocalIssuer({ stateDir });
  const audience = authorizer.audience[0];

  const tableName = (prefix: string): string => {
    const entry = Object.entries(names.tables).find(([logicalId]) => logicalId.startsWith(prefix));
    if (!entry) throw new Error(`no table ${prefix}* in the template`);
    return entry[1];
  };

  return {
    cloud,
    stateDir,
    workDir,
    publicApiUrl,
    names,
    tokenFor: (accountId) =>
      issuer.mint({
        issuer: authorizer.issuer,
        audience,
        sub: `chaos-${accountId}`,
        claims: { account_id: accountId },
      }),
    async scanTable(prefix) {
      const items: Record<string, unknown>[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await dynamo.send(
          new ScanCommand({
            TableName: tableName(prefix),
            ExclusiveStartKey: startKey,
            ConsistentRead: true,
          }),
        );
        items.push(...(page.Items ?? []));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return items;
    },
    async getItem(prefix, key) {
      const { Item } = await dynamo.send(
        new GetCommand({ TableName: tableName(prefix), Key: key, ConsistentRead: true }),
      );
      return Item;
    },
    async queueDepth(nameSuffix) {
      const queue = Object.values(names.queues).find((candidate) => candidate.name.endsWith(nameSuffix));
      if (!queue) throw new Error(`no queue *${nameSuffix} in the template`);
      const answer = await cloud.sqs.call<{ Attributes?: Record<string, string> }>('GetQueueAttributes', {
        QueueUrl: queue.url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      });
      return (
        Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0) +
        Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
      );
    },
    functionName(prefix) {
      const fn = cloud.lambda.functions().find((candidate) => candidate.logicalId.startsWith(prefix));
      if (!fn) throw new Error(`no function ${prefix}* in the template`);
      return fn.name;
    },
    async stop() {
      dynamo.destroy();
      await cloud.stop();
      await new Promise<void>((resolve) => logFile.end(() => resolve()));
      await new Promise<void>((resolve) => functionOutput.end(() => resolve()));
      if (!options.keepState) await rm(stateDir, { recursive: true, force: true });
    },
  };
}
