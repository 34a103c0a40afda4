// One synthesis at a time per cloud assembly folder, across processes: `npm start`, an end-to-end
// run and a chaos run may all ask for the same assembly at once. The CDK CLI refuses a second
// synthesis into a folder instead of waiting (its `synth.lock`); this lock makes the second one wait
// and then find the assembly already made.
import { readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** A held lock. */
export interface HeldLock {
  release(): Promise<void>;
}

export interface AcquireLockOptions {
  /** How long to wait between looks while another process holds it (default 250 ms). */
  pollMs?: number;
  /** Give up after waiting this long (default 10 minutes: a cold synthesis takes under one). */
  timeoutMs?: number;
  /** Told once, when another live process holds the lock. */
  onWait?: (holderPid: number) => void;
  /** Whether a process runs (a seam for tests). */
  isAlive?: (pid: number) => boolean;
}

/** Whether a process with this id runs on this machine. */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Holder {
  text: string;
  pid: number | undefined;
  ageMs: number;
}

async function readHolder(file: string): Promise<Holder | undefined> {
  try {
    const [text, stats] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    const pid = Number.parseInt(text, 10);
    return {
      text,
      pid: Number.isInteger(pid) && pid > 0 ? pid : undefined,
      ageMs: Date.now() - stats.mtimeMs,
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

// A lock is written in the same call that creates it, so an empty one is being written this instant,
// unless it has stayed empty: its writer died in between.
const EMPTY_LOCK_GRACE_MS = 5_000;

function isStale(holder: Holder, isAlive: (pid: number) => boolean): boolean {
  if (holder.pid !== undefined) return !isAlive(holder.pid);
  return holder.text.trim().length > 0 || holder.ageMs > EMPTY_LOCK_GRACE_MS;
}

/** Takes the lock file for this process, waiting while another live process holds it; a dead holder's lock is taken over. */
export async function acquireLock(file: string, options: AcquireLockOptions = {}): Promise<HeldLock> {
  const pollMs = options.pollMs ?? 250;
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const isAlive = options.isAlive ?? processIsAlive;
  const started = Date.now();
  let told = false;
  for (;;) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx' });
      let released = false;
      return {
        release: async () => {
          if (released) return;
          released = true;
          await unlink(file).catch((error: NodeJS.ErrnoException) => {
            if (error.code !== 'ENOENT') throw error;
          });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readHolder(file);
    if (!holder) continue;
    // A holder that died (a synthesis killed half way) left its lock behind: it holds nothing.
    if (isStale(holder, isAlive)) {
      await unlink(file).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(`${file} is still held by process ${holder.pid ?? '(unknown)'} after ${timeoutMs} ms`);
    }
    if (!told && holder.pid !== undefined) {
      told = true;
      options.onWait?.(holder.pid);
    }
    await sleep(pollMs);
  }
}
