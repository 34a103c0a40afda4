// Processes started in a process group of their own, as scripts/start.ts starts the local cloud's CLI:
// what they start in turn (DynamoDB Local, the CDK CLI, esbuild) can be found and killed with them,
// and none outlives the bench, even one stopped with Ctrl-C.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/** A process of its own group, with its output kept for error messages. */
export interface Child {
  process: ChildProcessByStdio<null, Readable, Readable>;
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

// The groups started and not yet closed. Being groups of their own, they are out of reach of a Ctrl-C
// on the bench: they are killed whenever the bench ends or is stopped while one runs.
const startedGroups = new Set<Child>();
const killStarted = () => {
  for (const child of startedGroups) killGroup(child);
};
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const killStartedAndExit = () => {
  killStarted();
  process.exit(130);
};

function track(child: Child): void {
  if (startedGroups.size === 0) {
    process.on('exit', killStarted);
    for (const signal of STOP_SIGNALS) process.on(signal, killStartedAndExit);
  }
  startedGroups.add(child);
  void child.closed.then(() => {
    startedGroups.delete(child);
    if (startedGroups.size > 0) return;
    process.off('exit', killStarted);
    for (const signal of STOP_SIGNALS) process.off(signal, killStartedAndExit);
  });
}

export function spawnGroup(root: string, args: string[], env: NodeJS.ProcessEnv): Child {
  // Its own process group, as scripts/start.ts starts the CLI: what it starts (DynamoDB Local, the CDK
  // CLI, esbuild) can be found, and killed if it outlives a failed start.
  const child = spawn(process.execPath, args, {
    cwd: root,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (line: string) => {
    output = `${output}${line}\n`.slice(-8_000);
  };
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  createInterface({ input: child.stderr }).on('line', keep);
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const started: Child = {
    process: child,
    closed,
    output: () => (spawnError ? `${spawnError.message}\n${output}` : output),
  };
  track(started);
  return started;
}

// Whether a process of the group is still there. Zombies do not count: they are gone, only not yet
// reaped by whoever inherited them. Where there is no /proc, whether the group can be signalled.
async function groupAlive(pgid: number): Promise<boolean> {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  if (!existsSync('/proc/self/stat')) return true;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = await readFile(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // `pid (comm) state ppid pgrp …`; the command may hold spaces and parentheses.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state !== 'Z' && Number(pgrp) === pgid) return true;
  }
  return false;
}

/** Waits until no process of the group is left; kills what is left after `timeoutMs` and throws. */
export async function awaitGroupGone(child: Child, what: string, timeoutMs: number): Promise<void> {
  const pgid = child.process.pid;
  if (pgid === undefined) return;
  const deadline = performance.now() + timeoutMs;
  while (await groupAlive(pgid)) {
    if (performance.now() > deadline) {
      killGroup(child);
      throw new Error(
        `${what}: processes of its group were still running ${timeoutMs / 1000} s after it exited`,
      );
    }
    await sleep(50);
  }
}

export function killGroup(child: Child): void {
  if (child.process.pid === undefined) return;
  try {
    process.kill(-child.process.pid, 'SIGKILL');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
