// Replay of the fixture files of a folder the local cloud is given (`GET /_local/fixtures`,
// `POST /_local/fixtures/replay`), as `replay` does from the command line: a page chooses a fixture by
// its name in the listing, never by a path, so nothing outside the folder can be read. The
// application may pass its own loader, which validates the envelopes against its catalog.
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { AdminRequest, AdminResponse } from './api.ts';
import {
  type EnvelopeFile,
  formatReplayReport,
  loadEnvelopeFiles,
  replayEnvelopes,
  replayFailed,
} from './replay.ts';
import { type AdminRoutes, isRecord, refused } from './routes.ts';

/** Reads and validates one fixture file: its envelopes, or a throw whose message says what is wrong. */
export type FixtureLoader = (file: string) => unknown[] | Promise<unknown[]>;

export interface FixtureRoutesOptions {
  /** The folder of fixture files (`*.json`, in subfolders too). */
  dir: string;
  /** Default: any JSON file of EventBridge envelopes (one or a list). */
  load?: FixtureLoader;
  /** The admin API's own routes (`/replay`, `/outcomes`), called in-process. */
  route(request: AdminRequest): Promise<AdminResponse>;
  /** How long a replay waits for outcomes at most (default 60 s). */
  maxWaitMs?: number;
}

export interface FixtureEntry {
  /** The path below the folder, with `/` separators. */
  name: string;
  events?: number;
  /** Why the loader refuses it. */
  problem?: string;
}

const MAX_FILES = 500;

/** The `*.json` files below a folder (subfolders included), by name; hidden entries are skipped. */
export async function fixtureFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.name.startsWith('.') || found.length >= MAX_FILES) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && entry.name.endsWith('.json'))
        found.push(relative(dir, path).split(sep).join('/'));
    }
  };
  await walk(dir);
  return found.sort();
}

const defaultLoad: FixtureLoader = (file) => loadEnvelopeFiles(file)[0]?.envelopes ?? [];

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `GET /_local/fixtures` and `POST /_local/fixtures/replay {name, timeoutMs?}`. */
export function fixtureRoutes(options: FixtureRoutesOptions): AdminRoutes {
  const load = options.load ?? defaultLoad;
  const maxWaitMs = options.maxWaitMs ?? 60_000;

  // JSON round trip: a loader may give dates or classes where the bus takes plain JSON.
  const envelopesOf = async (name: string) =>
    JSON.parse(JSON.stringify(await load(join(options.dir, ...name.split('/'))))) as unknown[];

  async function list(): Promise<FixtureEntry[]> {
    const names = await fixtureFiles(options.dir);
    return Promise.all(
      names.map(async (name): Promise<FixtureEntry> => {
        try {
          return { name, events: (await envelopesOf(name)).length };
        } catch (error) {
          return { name, problem: messageOf(error) };
        }
      }),
    );
  }

  async function replay(body: unknown): Promise<AdminResponse> {
    if (!isRecord(body) || typeof body.name !== 'string') {
      return refused(400, 'expected {"name": "<fixture from GET /_local/fixtures>", "timeoutMs"?: n}');
    }
    const timeout = body.timeoutMs ?? 30_000;
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0) {
      return refused(400, 'timeoutMs must be a number of milliseconds');
    }
    const names = await fixtureFiles(options.dir);
    if (!names.includes(body.name)) return refused(404, `no fixture "${body.name}" in the fixtures folder`);
    let envelopes: unknown[];
    try {
      envelopes = await envelopesOf(body.name);
    } catch (error) {
      return refused(422, `fixture refused, nothing was sent: ${messageOf(error)}`);
    }
    const files: EnvelopeFile[] = [{ file: body.name, envelopes }];
    const client = {
      edge: '',
      async request<T>(method: string, path: string, requestBody?: unknown): Promise<T> {
        const answer = await options.route({ method, path, query: new URLSearchParams(), body: requestBody });
        if (answer.status >= 300) {
          const error = isRecord(answer.body) ? answer.body.error : undefined;
          throw new Error(typeof error === 'string' ? error : `${method} ${path} answered ${answer.status}`);
        }
        return answer.body as T;
      },
    };
    try {
      const report = await replayEnvelopes(client, files, {
        spacing: 'none',
        speed: 1,
        timeoutMs: Math.min(timeout, maxWaitMs),
      });
      return {
        status: 200,
        body: { name: body.name, failed: replayFailed(report), text: formatReplayReport(report), report },
      };
    } catch (error) {
      return refused(400, `replay refused: ${messageOf(error)}`);
    }
  }

  return {
    lines: [
      'GET    /_local/fixtures                    the fixture files that can be replayed',
      'POST   /_local/fixtures/replay             {name, timeoutMs?}: replay a fixture and report',
    ],
    async route({ method, path, body }) {
      if (path === '/fixtures' && method === 'GET') return { status: 200, body: { fixtures: await list() } };
      if (path === '/fixtures/replay' && method === 'POST') return replay(body);
      return undefined;
    },
  };
}
