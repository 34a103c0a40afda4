import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LocalLambdaHost } from '../lambda/host.ts';
import { buildStack, startHost, stopHost } from '../lambda/host-test-support.ts';
import { type HotReload, hotReloadFromEnv, startHotReload } from './hot-reload.ts';
import { handlerBuildOptions } from './rebundle.ts';

// A small project with one function, synthesized as the CDK bundling does, run by a Lambda host
// with hot reload on: the project's files are edited and the host is asked again.

let root: string;
let asset: string;
let host: LocalLambdaHost;
let reload: HotReload | undefined;
const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
const WAIT = { timeout: 30_000, interval: 20 };

function write(relative: string, text: string): void {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

const greetingModule = (word: string) => `export const greeting: string = '${word}';\n`;

async function greeting(): Promise<unknown> {
  const result = await host.invoke('GreetFunction12AB34CD', {});
  return result.ok ? result.payload : result;
}

beforeEach(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'hot-reload-'));
  write('tsconfig.json', '{}');
  write('shared/greeting.ts', greetingModule('hello'));
  write('shared/unused.ts', 'export const unused = 1;\n');
  write(
    'functions/greet.ts',
    `import { greeting } from '../shared/greeting.ts';\nexport const handler = async () => ({ greeting });\n`,
  );
  mkdirSync(path.join(root, 'infra'));
  asset = path.join(root, 'cdk.out', 'asset.1');
  await build({
    ...handlerBuildOptions(root),
    entryPoints: ['functions/greet.ts'],
    outfile: path.join(asset, 'index.mjs'),
  });
  host = startHost(buildStack([{ logicalId: 'GreetFunction12AB34CD', code: asset }])).host as LocalLambdaHost;
  reload = startHotReload({
    projectRoot: root,
    stateDir: path.join(root, '.local'),
    stack: buildStack([{ logicalId: 'GreetFunction12AB34CD', code: asset }]),
    lambda: host,
    log,
    debounceMs: 20,
  });
  await reload.ready;
  for (const fn of Object.values(log)) fn.mockClear();
});

afterEach(async () => {
  await reload?.close();
  await stopHost();
  rmSync(root, { recursive: true, force: true });
});

describe('startHotReload', () => {
  it('rebundles the functions that include a saved file, into the state folder, and runs their new code', async () => {
    const synthesized = readFileSync(path.join(asset, 'index.mjs'));
    const before = await greeting();

    write('shared/greeting.ts', greetingModule('bonjour'));
    await vi.waitFor(
      () =>
        expect(log.info).toHaveBeenCalledWith(
          expect.stringMatching(/^hot reload: shared\/greeting\.ts → GreetFunction in \d+\.\d\d s$/),
        ),
      WAIT,
    );

    expect(before).toEqual({ greeting: 'hello' });
    expect(await greeting()).toEqual({ greeting: 'bonjour' });
    expect(readFileSync(path.join(asset, 'index.mjs'))).toEqual(synthesized);
    expect(existsSync(path.join(root, '.local', 'reload', '1'))).toBe(true);
  });

  it('keeps the old code and prints the error when the new code does not build', async () => {
    await greeting();

    write('functions/greet.ts', 'export const handler = async () => {;\n');
    await vi.waitFor(() => expect(log.error).toHaveBeenCalled(), WAIT);

    expect(log.error.mock.calls[0]?.[0]).toMatch(
      /^hot reload failed: functions\/greet\.ts; the functions keep their old code\n✘ \[ERROR\] Unexpected end of file/,
    );
    expect(await greeting()).toEqual({ greeting: 'hello' });
  });

  it('follows an import added by a reload, and removes a reloaded bundle once no environment runs it', async () => {
    write('shared/extra.ts', `export const extra = 'new';\n`);
    write(
      'functions/greet.ts',
      `import { extra } from '../shared/extra.ts';\nexport const handler = async () => ({ greeting: extra });\n`,
    );
    await vi.waitFor(() => expect(log.info).toHaveBeenCalledTimes(1), WAIT);
    const first = path.join(root, '.local', 'reload', '1');
    await greeting();

    write('shared/extra.ts', `export const extra = 'newer';\n`);
    await vi.waitFor(() => expect(log.info).toHaveBeenCalledTimes(2), WAIT);

    expect(log.info.mock.calls[1]?.[0]).toMatch(/^hot reload: shared\/extra\.ts → GreetFunction in/);
    expect(await greeting()).toEqual({ greeting: 'newer' });
    await vi.waitFor(() => expect(existsSync(first)).toBe(false), WAIT);
  });

  it('says that a change under infra/ needs a restart, and that a file no bundle includes changes nothing', async () => {
    write('infra/stack.ts', 'export {};\n');
    await vi.waitFor(() => expect(log.warn).toHaveBeenCalled(), WAIT);
    write('shared/unused.ts', 'export const unused = 2;\n');
    await vi.waitFor(() => expect(log.info).toHaveBeenCalled(), WAIT);

    expect(log.warn).toHaveBeenCalledWith('infra/ changed: restart npm start to apply it', {
      files: 'infra/stack.ts',
    });
    expect(log.info).toHaveBeenCalledWith(
      "hot reload: shared/unused.ts changed; no function's bundle includes it",
    );
  });
});

describe('startHotReload at start', () => {
  it('says it is on and for how many functions', async () => {
    const logged = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const second = startHotReload({
      projectRoot: root,
      stateDir: path.join(root, '.local-second'),
      stack: buildStack([{ logicalId: 'GreetFunction12AB34CD', code: asset }]),
      lambda: host,
      log: logged,
    });
    await second.ready;
    await second.close();

    expect(logged.info).toHaveBeenCalledWith(
      'hot reload on: watching functions/, shared/, events/ for 1 function',
    );
  });
});

describe('hotReloadFromEnv', () => {
  it('turns hot reload on for the working folder, or leaves it off', () => {
    expect(hotReloadFromEnv({ LOCAL_HOT_RELOAD: 'on' }, '/project')).toEqual({ projectRoot: '/project' });
    expect(hotReloadFromEnv({ LOCAL_HOT_RELOAD: '1' }, '/project')).toEqual({ projectRoot: '/project' });
    expect(hotReloadFromEnv({ LOCAL_HOT_RELOAD: 'off' }, '/project')).toBeUndefined();
    expect(hotReloadFromEnv({}, '/project')).toBeUndefined();
  });

  it('refuses any other value', () => {
    expect(() => hotReloadFromEnv({ LOCAL_HOT_RELOAD: 'sometimes' })).toThrow(
      'LOCAL_HOT_RELOAD must be "on" or "off", got "sometimes"',
    );
  });
});
