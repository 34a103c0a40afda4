// `npm run reset`: forgets all of the local cloud's state (tables, queue contents, pending retries,
// logs, signing keys) by removing its state folder, and says what it removed. It refuses while a
// local cloud runs on that folder: DynamoDB Local's files would go from under a running process.
// The synthesized app (cdk.out) is kept: it does not depend on the state.
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { homedir } from 'node:os';
import { isAbsolute, join, parse, relative, resolve } from 'node:path';
import { STATE_FILE } from '../auth/state.ts';
import { processIsAlive } from '../synth/lock.ts';
import {
  CliFailure,
  type CliIo,
  isMainModule,
  parseCliArgs,
  runAsMain,
  runCli,
  stateDirOf,
} from './cli-support.ts';

export const RESET_USAGE = `Forgets all of the local cloud's state: removes its state folder (tables, queue contents,
pending retries, logs, keys). Refuses while a local cloud runs on it. Keeps cdk.out.

Usage: npm run reset [-- --state <dir>]

Options:
  --state <dir>    the local cloud's state folder               default: $LOCAL_STATE_DIR or .local
  --help           show this help

Exit codes: 0 forgotten (or nothing to forget); 1 a local cloud runs on it, or it could not be removed.
`;

export interface ResetOptions {
  /** Whether a process runs (a seam for tests). */
  isAlive?: (pid: number) => boolean;
  /** How long to wait for the edge to answer a connection before taking it for gone (default 500 ms). */
  probeTimeoutMs?: number;
}

// Whether anything accepts connections at the edge URL a local cloud recorded.
async function answers(edgeUrl: string, timeoutMs: number): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(edgeUrl);
  } catch {
    return false;
  }
  return new Promise((resolvePromise) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || 80) });
    const done = (result: boolean) => {
      socket.destroy();
      resolvePromise(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Why the local cloud of this state folder counts as running, or undefined when none runs on it. */
export async function runningCloud(
  stateDir: string,
  options: ResetOptions = {},
): Promise<string | undefined> {
  let state: { pid?: unknown; edge?: unknown };
  try {
    state = JSON.parse(await readFile(join(stateDir, STATE_FILE), 'utf8')) as typeof state;
  } catch {
    // No state file (never started, or a start that failed early), or one cut short by a crash.
    return undefined;
  }
  if (typeof state.pid === 'number') {
    return (options.isAlive ?? processIsAlive)(state.pid) ? `process ${state.pid} runs it` : undefined;
  }
  // A state file without the process id: the edge it names answering means the cloud still runs.
  if (typeof state.edge === 'string' && (await answers(state.edge, options.probeTimeoutMs ?? 500))) {
    return `its edge ${state.edge} answers`;
  }
  return undefined;
}

// A folder whose removal would take more than a state folder with it.
function tooBroad(stateDir: string, cwd: string): boolean {
  const inside = (folder: string) => {
    const path = relative(stateDir, folder);
    return path === '' || (!path.startsWith('..') && !isAbsolute(path));
  };
  return stateDir === parse(stateDir).root || inside(homedir()) || inside(cwd);
}

async function sizeOf(path: string): Promise<number> {
  const stats = await stat(path);
  if (!stats.isDirectory()) return stats.size;
  const entries = await readdir(path);
  const sizes = await Promise.all(entries.map((entry) => sizeOf(join(path, entry))));
  return sizes.reduce((sum, size) => sum + size, 0);
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Removes a state folder unless a local cloud runs on it; returns the lines that say what was removed. */
export async function forgetLocalState(
  stateDir: string,
  cwd: string,
  options: ResetOptions = {},
): Promise<string[]> {
  const fromCwd = relative(cwd, stateDir);
  const shown = fromCwd && !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? fromCwd : stateDir;
  if (tooBroad(stateDir, cwd)) {
    throw new CliFailure(`refusing to remove ${stateDir}: it holds more than a local cloud's state`);
  }
  let entries: string[];
  try {
    entries = (await readdir(stateDir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return [`nothing to forget: ${shown} does not exist`];
    throw error;
  }
  const running = await runningCloud(stateDir, options);
  if (running) {
    throw new CliFailure(`a local cloud runs on ${shown} (${running}): stop it first, then reset`);
  }
  const removed = await Promise.all(
    entries.map(async (entry) => {
      const path = join(stateDir, entry);
      const stats = await stat(path);
      return { label: stats.isDirectory() ? `${entry}/` : entry, bytes: await sizeOf(path) };
    }),
  );
  await rm(stateDir, { recursive: true, force: true });
  const total = removed.reduce((sum, entry) => sum + entry.bytes, 0);
  return [
    ...removed.map((entry) => `removed ${shown}/${entry.label} (${formatBytes(entry.bytes)})`),
    `local state forgotten: ${shown} removed (${formatBytes(total)}); cdk.out kept`,
  ];
}

/** The reset CLI: forgets the state folder named by `--state`, `$LOCAL_STATE_DIR` or `.local`. */
export async function runReset(
  argv: readonly string[],
  io: CliIo,
  options: ResetOptions = {},
): Promise<number> {
  return runCli('reset', RESET_USAGE, argv, io, async () => {
    const { values } = parseCliArgs(argv, {
      state: { type: 'string' },
      'state-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    });
    const stateDir = resolve(stateDirOf(values, io));
    for (const line of await forgetLocalState(stateDir, io.cwd, options)) io.stdout(`${line}\n`);
    return 0;
  });
}

if (isMainModule(import.meta.url)) runAsMain((argv, io) => runReset(argv, io));
