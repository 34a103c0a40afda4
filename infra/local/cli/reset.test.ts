import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from './cli-support.ts';
import { runningCloud, runReset } from './reset.ts';

let project: string;
let stateDir: string;
let out: string[];
let err: string[];
let io: CliIo;
let server: Server | undefined;

async function write(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

// What a local cloud leaves in its state folder: tables, saved queues, logs, its state file.
async function leaveState(state: Record<string, unknown>): Promise<void> {
  await write(path.join(stateDir, 'dynamodb', 'shared-local-instance.db'), 'x'.repeat(2048));
  await write(path.join(stateDir, 'logs', 'Workflow.log'), 'line\n');
  await write(path.join(stateDir, 'state.json'), JSON.stringify(state));
}

async function listening(): Promise<number> {
  server = createServer();
  const running = server;
  await new Promise<void>((resolve) => running.listen(0, '127.0.0.1', resolve));
  return (running.address() as { port: number }).port;
}

beforeEach(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'reset-'));
  stateDir = path.join(project, '.local');
  out = [];
  err = [];
  io = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env: {},
    cwd: project,
  };
  await write(path.join(project, 'cdk.out', 'manifest.json'), '{}');
});

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  await rm(project, { recursive: true, force: true });
});

describe('npm run reset', () => {
  it('removes the state folder, says what it removed, and keeps cdk.out', async () => {
    await leaveState({ pid: 999_999, edge: 'http://127.0.0.1:9', apis: [] });

    const code = await runReset([], io, { isAlive: () => false });

    expect(code).toBe(0);
    expect(out.join('')).toBe(
      [
        'removed .local/dynamodb/ (2.0 KB)',
        'removed .local/logs/ (5 B)',
        `removed .local/state.json (${JSON.stringify({ pid: 999_999, edge: 'http://127.0.0.1:9', apis: [] }).length} B)`,
        'local state forgotten: .local removed (2.1 KB); cdk.out kept',
        '',
      ].join('\n'),
    );
    expect(await readdir(project)).toEqual(['cdk.out']);
  });

  it('refuses while the process named in the state file runs, and removes nothing', async () => {
    await leaveState({ pid: 4242, edge: 'http://127.0.0.1:9', apis: [] });

    const code = await runReset([], io, { isAlive: (pid) => pid === 4242 });

    expect(code).toBe(1);
    expect(err.join('')).toBe(
      'reset: a local cloud runs on .local (process 4242 runs it): stop it first, then reset\n',
    );
    expect((await readdir(stateDir)).sort()).toEqual(['dynamodb', 'logs', 'state.json']);
  });

  it('refuses when the state file names no process but its edge still answers', async () => {
    const port = await listening();
    await leaveState({ edge: `http://127.0.0.1:${port}`, apis: [] });

    const code = await runReset([], io);

    expect(code).toBe(1);
    expect(err.join('')).toContain(`its edge http://127.0.0.1:${port} answers`);
  });

  it('takes a state file whose edge no longer answers for a cloud that stopped', async () => {
    const port = await listening();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    await leaveState({ edge: `http://127.0.0.1:${port}`, apis: [] });

    expect(await runningCloud(stateDir)).toBeUndefined();
  });

  it('says there is nothing to forget when the folder does not exist', async () => {
    const code = await runReset([], io);

    expect(code).toBe(0);
    expect(out.join('')).toBe('nothing to forget: .local does not exist\n');
  });

  it('forgets the folder --state names', async () => {
    stateDir = path.join(project, 'other-state');
    await leaveState({ pid: 1, apis: [] });

    const code = await runReset(['--state', 'other-state'], io, { isAlive: () => false });

    expect(code).toBe(0);
    expect(await readdir(project)).toEqual(['cdk.out']);
  });

  it('refuses a folder that holds the project itself', async () => {
    const code = await runReset(['--state', '.'], io);

    expect(code).toBe(1);
    expect(err.join('')).toContain("holds more than a local cloud's state");
    expect(await readdir(project)).toEqual(['cdk.out']);
  });
});
