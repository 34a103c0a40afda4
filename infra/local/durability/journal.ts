// A key-value journal for the local cloud's state that must outlive the process (queued messages,
// pending deliveries and retries): a change is one appended line, so its cost does not grow with
// the state; a snapshot, rewritten atomically (temporary file renamed over it) at start and when the
// log has grown, bounds how much a start replays.
//
// Files: `<path>.json` (the snapshot; its `generation` says which logs come after it) and
// `<path>.<generation>.log` (one JSON array per line: `["s", key, value, expiresAt?]` or `["d", key]`).
// A change made before `commit()` is on disk when the commit resolves; the commits of one tick, and
// those made while a write is under way, share the next write (group commit). Changes nobody waits
// for are written within `lazyDelayMs`.
//
// Writes are not fsync'ed: what this guards against is the process dying (a crash, `kill -9`, a
// closed terminal), after which the operating system still writes what the process handed it. A
// power cut is out of scope; an fsync per accepted message would make every send wait for the disk.
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { type FileHandle, open, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LocalLogger } from '../model.ts';

const FORMAT = 1;
const DEFAULT_LAZY_DELAY_MS = 100;
const DEFAULT_COMPACT_AFTER_BYTES = 4 * 1024 * 1024;

/** A journal on disk that cannot be read: the local cloud refuses to start rather than lose what it held. */
export class JournalFileError extends Error {
  override readonly name = 'JournalFileError';
}

export interface Journal {
  /** What the last run left: each key's value (parsed JSON), in the order of their last change. */
  readonly restored: ReadonlyMap<string, unknown>;
  /** Whether files back this journal (without them nothing outlives the process). */
  readonly durable: boolean;
  /** Sets a key's value (JSON-serializable); `expiresAt` (epoch ms) lets a later start forget it. */
  set(key: string, value: unknown, expiresAt?: number): void;
  delete(key: string): void;
  /** Resolves once every change made before this call is on disk. */
  commit(): Promise<void>;
  /** Writes what is still owed and closes the log. */
  close(): Promise<void>;
}

export interface JournalOptions {
  /** Base path of the files, e.g. `.local/sqs/queues`; without it, nothing is kept. */
  path?: string;
  /** What the journal holds, for messages: "the local SQS queues' messages". */
  describes: string;
  log: LocalLogger;
  /** The longest a change nobody commits waits for its write (default 100 ms). */
  lazyDelayMs?: number;
  /** Log size after which the snapshot is rewritten (default 4 MiB, or twice the snapshot if larger). */
  compactAfterBytes?: number;
  now?: () => number;
}

interface Entry {
  json: string;
  expiresAt: number | undefined;
}

interface Batch {
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function newBatch(): Batch {
  let resolve: () => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A lazy write's failure is logged by the writer; only callers of commit() see it as a rejection.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

function memoryJournal(): Journal {
  return {
    restored: new Map(),
    durable: false,
    set: () => {},
    delete: () => {},
    commit: async () => {},
    close: async () => {},
  };
}

/** Opens a journal: reads what the last run left, then starts a fresh snapshot and log. */
export function openJournal(options: JournalOptions): Journal {
  if (!options.path) return memoryJournal();
  const base = path.resolve(options.path);
  const { log, describes } = options;
  const now = options.now ?? Date.now;
  const lazyDelayMs = options.lazyDelayMs ?? DEFAULT_LAZY_DELAY_MS;
  const compactAfterBytes = options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER_BYTES;
  const snapshotPath = `${base}.json`;
  const temporaryPath = `${snapshotPath}.${process.pid}.tmp`;
  const logPath = (generation: number) => `${base}.${generation}.log`;

  const loaded = load(base, describes, now());
  const entries = loaded.entries;
  let generation = loaded.highestGeneration + 1;
  let snapshotBytes = 0;
  if (loaded.found) {
    // Starting from a fresh snapshot leaves no log with a torn last line to append to.
    const text = snapshotText(entries, generation, now());
    try {
      writeFileSync(temporaryPath, text);
      renameSync(temporaryPath, snapshotPath);
      for (const old of loaded.logs) unlinkSync(logPath(old));
    } catch (error) {
      throw new JournalFileError(
        `${snapshotPath}: could not rewrite ${describes}: ${(error as Error).message}`,
      );
    }
    snapshotBytes = text.length;
  }
  const restored = new Map<string, unknown>();
  for (const [key, entry] of entries) restored.set(key, JSON.parse(entry.json));

  let handle: FileHandle | undefined;
  let logBytes = 0;
  // Lines not yet written, with the callers waiting for them; and the write under way.
  let pending: { lines: string[]; batch: Batch } | undefined;
  let inFlight: Batch | undefined;
  let writer: Promise<void> | undefined;
  let scheduled = false;
  let lazyTimer: NodeJS.Timeout | undefined;
  let closed = false;

  function append(line: string): void {
    if (!pending) pending = { lines: [], batch: newBatch() };
    pending.lines.push(line);
    if (!writer && !scheduled && !lazyTimer && !closed) lazyTimer = setTimeout(startWriter, lazyDelayMs);
  }

  function startWriter(): void {
    scheduled = false;
    if (lazyTimer) {
      clearTimeout(lazyTimer);
      lazyTimer = undefined;
    }
    if (writer || !pending) return;
    writer = write().finally(() => {
      writer = undefined;
      // Changes made between the writer's last look and now.
      if (pending) startWriter();
    });
  }

  async function write(): Promise<void> {
    while (pending) {
      const { lines, batch } = pending;
      pending = undefined;
      inFlight = batch;
      const text = lines.join('');
      try {
        handle ??= await open(logPath(generation), 'a');
        await handle.appendFile(text);
        logBytes += Buffer.byteLength(text);
        batch.resolve();
      } catch (error) {
        log.error('could not save state', { file: logPath(generation), error: (error as Error).message });
        batch.reject(error);
      }
      inFlight = undefined;
      if (logBytes > Math.max(compactAfterBytes, 2 * snapshotBytes)) await compact();
    }
  }

  // A new log takes the changes from here on; the snapshot written next holds everything before,
  // and until it is renamed into place the old snapshot and both logs still hold it all.
  async function compact(): Promise<void> {
    const next = generation + 1;
    const text = snapshotText(entries, next, now());
    let nextHandle: FileHandle;
    try {
      nextHandle = await open(logPath(next), 'a');
    } catch (error) {
      log.error('could not start a new log', { file: logPath(next), error: (error as Error).message });
      return;
    }
    const previous = { handle, generation };
    handle = nextHandle;
    generation = next;
    logBytes = 0;
    try {
      await writeFile(temporaryPath, text);
      await rename(temporaryPath, snapshotPath);
      snapshotBytes = text.length;
      await previous.handle?.close();
      await unlink(logPath(previous.generation));
    } catch (error) {
      log.error('could not rewrite a snapshot', { file: snapshotPath, error: (error as Error).message });
      await previous.handle?.close().catch(() => {});
    }
  }

  return {
    restored,
    durable: true,
    set(key, value, expiresAt) {
      const json = JSON.stringify(value);
      // Re-inserted so that the map's order is the order of last change.
      entries.delete(key);
      entries.set(key, { json, expiresAt });
      const expiry = expiresAt === undefined ? '' : `,${expiresAt}`;
      append(`["s",${JSON.stringify(key)},${json}${expiry}]\n`);
    },
    delete(key) {
      if (entries.delete(key)) append(`["d",${JSON.stringify(key)}]\n`);
    },
    commit() {
      if (pending) {
        if (!writer && !scheduled) {
          scheduled = true;
          // The commits of this tick (a batch, concurrent requests) share the write.
          setImmediate(startWriter);
        }
        return pending.batch.promise;
      }
      return inFlight ? inFlight.promise : Promise.resolve();
    },
    async close() {
      closed = true;
      startWriter();
      await writer;
      await handle?.close();
      handle = undefined;
    },
  };
}

function snapshotText(entries: Map<string, Entry>, generation: number, now: number): string {
  const values: string[] = [];
  const expiries: string[] = [];
  for (const [key, entry] of entries) {
    if (entry.expiresAt !== undefined && entry.expiresAt <= now) {
      entries.delete(key);
      continue;
    }
    const name = JSON.stringify(key);
    values.push(`${name}:${entry.json}`);
    if (entry.expiresAt !== undefined) expiries.push(`${name}:${entry.expiresAt}`);
  }
  return `{"format":${FORMAT},"generation":${generation},"entries":{${values.join(',')}},"expires":{${expiries.join(',')}}}`;
}

function load(
  base: string,
  describes: string,
  now: number,
): { entries: Map<string, Entry>; highestGeneration: number; logs: number[]; found: boolean } {
  const directory = path.dirname(base);
  const name = path.basename(base);
  const snapshotPath = `${base}.json`;
  const unusable = (file: string, reason: string) =>
    new JournalFileError(
      `${file} holds ${describes} but cannot be read (${reason}); delete it (or the whole state folder) to start without them`,
    );
  const logPattern = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)\\.log$`);
  let files: string[];
  try {
    mkdirSync(directory, { recursive: true });
    files = readdirSync(directory);
  } catch (error) {
    throw unusable(directory, (error as Error).message);
  }
  // A temporary snapshot left by a process killed while writing it is incomplete by definition.
  for (const file of files) {
    if (file.startsWith(`${name}.json.`) && file.endsWith('.tmp')) unlinkSync(path.join(directory, file));
  }

  const entries = new Map<string, Entry>();
  let snapshotGeneration = 0;
  let found = false;
  if (files.includes(`${name}.json`)) {
    found = true;
    let content: unknown;
    try {
      content = JSON.parse(readFileSync(snapshotPath, 'utf8'));
    } catch (error) {
      throw unusable(snapshotPath, (error as Error).message);
    }
    const snapshot = content as {
      format?: unknown;
      generation?: unknown;
      entries?: unknown;
      expires?: unknown;
    };
    if (
      snapshot.format !== FORMAT ||
      typeof snapshot.generation !== 'number' ||
      typeof snapshot.entries !== 'object' ||
      snapshot.entries === null
    ) {
      throw unusable(snapshotPath, `not a format ${FORMAT} snapshot`);
    }
    snapshotGeneration = snapshot.generation;
    const expires = (
      typeof snapshot.expires === 'object' && snapshot.expires ? snapshot.expires : {}
    ) as Record<string, unknown>;
    for (const [key, value] of Object.entries(snapshot.entries)) {
      const expiresAt = typeof expires[key] === 'number' ? (expires[key] as number) : undefined;
      entries.set(key, { json: JSON.stringify(value), expiresAt });
    }
  }

  const logs = files
    .map((file) => logPattern.exec(file)?.[1])
    .filter((generation): generation is string => generation !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  for (const generation of logs) {
    // Logs older than the snapshot are already in it (a compaction stopped before removing them).
    if (generation < snapshotGeneration) continue;
    found = true;
    const file = `${base}.${generation}.log`;
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n');
    // Every record ends with a newline: text after the last one is a write cut short by the crash,
    // which no caller was told had been saved.
    lines.pop();
    for (const [index, line] of lines.entries()) {
      if (line === '') continue;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch (error) {
        throw unusable(file, `line ${index + 1}: ${(error as Error).message}`);
      }
      if (!Array.isArray(record) || typeof record[1] !== 'string')
        throw unusable(file, `line ${index + 1} is not a record`);
      const key = record[1];
      if (record[0] === 's') {
        entries.delete(key);
        entries.set(key, {
          json: JSON.stringify(record[2]),
          expiresAt: typeof record[3] === 'number' ? record[3] : undefined,
        });
      } else if (record[0] === 'd') {
        entries.delete(key);
      } else {
        throw unusable(file, `line ${index + 1} is not a record`);
      }
    }
  }
  for (const [key, entry] of entries) {
    if (entry.expiresAt !== undefined && entry.expiresAt <= now) entries.delete(key);
  }
  return {
    entries,
    highestGeneration: Math.max(snapshotGeneration, ...logs),
    logs,
    found,
  };
}
