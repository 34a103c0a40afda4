import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createLocalIssuer } from '../../infra/local/auth/jwt.ts';
import { readLocalCloudState } from '../../infra/local/auth/state.ts';
import { ROOT } from './local-cloud.ts';

// A local cloud run the way `npm start` runs it: `infra/local/cli/start.ts` in a child process that
// leads its own process group (DynamoDB Local's Java process included), so that a test can kill the
// whole group as a crash would, and start it again on the same state folder.

export interface CloudProcessOptions {
  cloudAssemblyDir: string;
  stateDir: string;
  edgePort: number;
  /** The public API's port; the next HTTP API takes the port after it. */
  apiBasePort: number;
  /** The child's output (its log lines and its functions'). */
  logFile: string;
  /** How long the start may take before the test gives up (default 4 minutes, for a busy machine). */
  readyTimeoutMs?: number;
}

export interface CloudProcess {
  pid: number;
  /** The public API's base URL, from the state the local cloud wrote for its tools. */
  publicApiUrl: string;
  /** Kills the whole process group with SIGKILL and resolves once none of it is left. */
  crash(): Promise<void>;
  /** Stops the local cloud as Ctrl-C does; kills what is left if it does not exit in time. */
  stop(): Promise<void>;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function untilGroupGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts `infra/local/cli/start.ts` as its own process group and resolves once it prints its ready line. */
export async function startCloudProcess(options: CloudProcessOptions): Promise<CloudProcess> {
  const log = createWriteStream(options.logFile);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'infra/local/cli/start.ts',
      '--app',
      options.cloudAssemblyDir,
      '--state',
      options.stateDir,
    ],
    {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        LOCAL_EDGE_PORT: String(options.edgePort),
        LOCAL_API_PORT: String(options.apiBasePort),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('the local cloud process did not start');
  child.stderr?.pipe(log, { end: false });
  const tail: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    tail.push(chunk.toString());
    if (tail.length > 40) tail.shift();
  });

  const crash = async () => {
    if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
    await exited(child);
    if (!(await untilGroupGone(pid, 30_000))) throw new Error(`process group ${pid} outlived SIGKILL`);
  };

  const ready = new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      log.write(`${line}\n`);
      if (line.includes('ready')) resolve();
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`the local cloud exited (${code ?? signal}) before it was ready:\n${tail.join('')}`)),
    );
  });
  const timeoutMs = options.readyTimeoutMs ?? 240_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the local cloud was not ready within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([ready, timedOut]);
  } catch (error) {
    await crash();
    throw error;
  } finally {
    clearTimeout(timer);
  }

  const state = await readLocalCloudState(options.stateDir);
  const publicApiUrl = state?.apis[0]?.url;
  if (!publicApiUrl) throw new Error('the local cloud wrote no public API to its state');
  return {
    pid,
    publicApiUrl,
    crash,
    async stop() {
      child.kill('SIGTERM');
      const stopped = await Promise.race([
        exited(child).then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 60_000)),
      ]);
      if (!stopped || groupAlive(pid)) await crash();
      log.end();
    },
  };
}

/** A bearer token for a user of `accountId`, from the local issuer of the cloud in `stateDir`. */
export async function tokenFromState(stateDir: string, accountId: string): Promise<string> {
  const state = (await readLocalCloudState(stateDir)) as
    | { apis: { authorizers: { issuer: string; audience: string[] }[] }[] }
    | undefined;
  const authorizer = state?.apis.flatMap((api) => api.authorizers)[0];
  if (!authorizer?.audience[0]) throw new Error('no JWT authorizer in the template');
  const issuer = await createLocalIssuer({ stateDir });
  return issuer.mint({
    issuer: authorizer.issuer,
    audience: authorizer.audience[0],
    sub: `user-${accountId}`,
    claims: { account_id: accountId },
  });
}
