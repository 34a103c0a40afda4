// Captured output, a state folder naming a fake edge, and a fetch that records admin calls, for CLI tests.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from './cli-support.ts';

export interface RecordedCall {
  method: string;
  url: string;
  body: unknown;
}

/** An io whose fetch answers admin calls with `answer` (or fails to connect when it is `unreachable`). */
export function testIo(
  answer: ((call: RecordedCall) => { status?: number; body: unknown }) | 'unreachable' = () => ({ body: {} }),
) {
  const stateDir = mkdtempSync(join(tmpdir(), 'cli-state-'));
  writeFileSync(join(stateDir, 'state.json'), JSON.stringify({ edge: 'http://127.0.0.1:9', apis: [] }));
  const out: string[] = [];
  const err: string[] = [];
  const calls: RecordedCall[] = [];
  const fakeFetch = async (input: string | URL | Request, init?: RequestInit) => {
    const call = {
      method: init?.method ?? 'GET',
      url: String(input),
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    if (answer === 'unreachable') throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    const { status = 200, body } = answer(call);
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  };
  const io: CliIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env: { LOCAL_STATE_DIR: stateDir },
    cwd: process.cwd(),
    fetch: fakeFetch as typeof fetch,
  };
  return { io, stateDir, calls, stdout: () => out.join(''), stderr: () => err.join('') };
}
