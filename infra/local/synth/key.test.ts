import { access, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { globToRegExp, isKeyedPath, keyedFiles, readKeyedPaths, synthesisKey } from './key.ts';

const WATCH = {
  include: ['functions/**', 'shared/**', 'events/**', 'infra/**'],
  exclude: ['infra/local/**', '**/*.test.ts'],
};

// A small CDK project: the app's folders, the local cloud, tests, docs and the root files.
const PROJECT: Record<string, string> = {
  'cdk.json': JSON.stringify({ app: 'node infra/app.ts', context: { stage: 'dev' }, watch: WATCH }),
  'package.json': '{"name":"app"}',
  'package-lock.json': '{"lockfileVersion":3}',
  'tsconfig.json': '{"compilerOptions":{"strict":true}}',
  'infra/app.ts': 'export {};',
  'infra/stack.ts': 'export const stack = 1;',
  'infra/local/cloud.ts': 'export const cloud = 1;',
  'functions/orders/create.ts': 'export const handler = () => 1;',
  'functions/orders/create.test.ts': 'it("works", () => {});',
  'shared/config.ts': 'export const config = {};',
  'events/catalog.ts': 'export const EVENTS = [];',
  'events/fixtures/created.json': '{"detail":{}}',
  'test/e2e/lifecycle.test.ts': 'it("runs", () => {});',
  'docs/architecture.md': '# Design',
  'README.md': '# App',
};

let root: string;

async function write(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(path.join(root, file)), { recursive: true });
  await writeFile(path.join(root, file), content);
}

const keyOf = (context: Record<string, string> = { stage: 'dev' }) => synthesisKey({ root, context });

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'synth-key-'));
  for (const [file, content] of Object.entries(PROJECT)) await write(file, content);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('globToRegExp', () => {
  it.each([
    ['functions/**', 'functions/orders/create.ts', true],
    ['functions/**', 'functions-old/create.ts', false],
    ['**/*.test.ts', 'functions/orders/create.test.ts', true],
    ['**/*.test.ts', 'create.test.ts', true],
    ['**/*.test.ts', 'functions/orders/create.ts', false],
    ['infra/*.ts', 'infra/app.ts', true],
    ['infra/*.ts', 'infra/local/cloud.ts', false],
    ['infra/ap?.ts', 'infra/app.ts', true],
    ['cdk.json', 'cdkxjson', false],
  ])('%s against %s is %s', (glob, file, expected) => {
    expect(globToRegExp(glob).test(file)).toBe(expected);
  });
});

describe('keyedFiles', () => {
  it('covers the watched folders and the root files, without the local cloud, tests and docs', async () => {
    const files = await keyedFiles(root);

    expect(files).toEqual([
      'cdk.json',
      'events/catalog.ts',
      'events/fixtures/created.json',
      'functions/orders/create.ts',
      'infra/app.ts',
      'infra/stack.ts',
      'package-lock.json',
      'package.json',
      'shared/config.ts',
      'tsconfig.json',
    ]);
  });

  it('refuses a cdk.json that does not say which folders the app is made of', async () => {
    await write('cdk.json', JSON.stringify({ app: 'node infra/app.ts' }));

    await expect(readKeyedPaths(root)).rejects.toThrow(/no watch.include/);
  });
});

describe('synthesisKey', () => {
  it.each([
    ['a handler', 'functions/orders/create.ts'],
    ['shared code', 'shared/config.ts'],
    ['an event schema', 'events/catalog.ts'],
    ['an event fixture', 'events/fixtures/created.json'],
    ['the CDK app', 'infra/stack.ts'],
    ['cdk.json', 'cdk.json'],
    ['the lock file', 'package-lock.json'],
    ['the TypeScript settings', 'tsconfig.json'],
  ])('changes when %s changes', async (_what, file) => {
    const before = await keyOf();
    const content = await readFile(path.join(root, file), 'utf8');

    await write(file, file.endsWith('.json') ? `${content}\n` : `${content}\n// edited`);

    expect(await keyOf()).not.toBe(before);
  });

  it('changes when a file is added to a keyed folder', async () => {
    const before = await keyOf();

    await write('functions/orders/cancel.ts', 'export const handler = () => 2;');

    expect(await keyOf()).not.toBe(before);
  });

  it('changes when a keyed file is removed', async () => {
    const before = await keyOf();

    await unlink(path.join(root, 'shared/config.ts'));

    expect(await keyOf()).not.toBe(before);
  });

  it('changes when cdk.context.json appears', async () => {
    const before = await keyOf();

    await write('cdk.context.json', '{"availability-zones:account=1:region=us-east-1":["a"]}');

    expect(await keyOf()).not.toBe(before);
  });

  it('changes with the command-line context', async () => {
    const dev = await keyOf({ stage: 'dev' });

    const withoutSimulator = await keyOf({ stage: 'dev', droneSimulator: 'false' });
    const prod = await keyOf({ stage: 'prod' });

    expect(new Set([dev, withoutSimulator, prod]).size).toBe(3);
  });

  it('does not depend on the order the context is given in', async () => {
    const one = await keyOf({ stage: 'dev', droneSimulator: 'false' });

    const other = await keyOf({ droneSimulator: 'false', stage: 'dev' });

    expect(other).toBe(one);
  });

  it.each([
    ['a unit test beside a handler', 'functions/orders/create.test.ts'],
    ['an end-to-end test', 'test/e2e/lifecycle.test.ts'],
    ['the local cloud', 'infra/local/cloud.ts'],
    ['the documentation', 'docs/architecture.md'],
    ['the README', 'README.md'],
  ])('stays the same when %s changes', async (_what, file) => {
    const before = await keyOf();

    await write(file, `${await readFile(path.join(root, file), 'utf8')}\n// edited`);

    expect(await keyOf()).toBe(before);
  });

  it('stays the same when installed packages or tool state change', async () => {
    const before = await keyOf();

    await write('functions/node_modules/lib/index.js', 'module.exports = 1;');
    await write('infra/.cache/state', 'x');
    await write('cdk.out/manifest.json', '{}');

    expect(await keyOf()).toBe(before);
  });
});

// The key leaves out tests and the local cloud on the ground that the app never imports them:
// this holds the repository to it, following imports from the CDK app and from every handler.
describe("this repository's app", () => {
  const repository = path.resolve(import.meta.dirname, '..', '..', '..');
  const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

  async function existing(candidates: string[]): Promise<string | undefined> {
    for (const candidate of candidates) {
      const found = await access(path.join(repository, candidate)).then(
        () => true,
        () => false,
      );
      if (found) return candidate;
    }
    return undefined;
  }

  it('reaches only files the key covers', async () => {
    const keyed = await readKeyedPaths(repository);
    const files = await keyedFiles(repository, keyed);
    const handlers: string[] = [];
    for (const file of files.filter((name) => name.endsWith('.ts'))) {
      if (/export const handler\b/.test(await readFile(path.join(repository, file), 'utf8')))
        handlers.push(file);
    }
    const reached = new Set<string>();
    const pending = ['infra/app.ts', ...handlers];

    while (pending.length > 0) {
      const file = pending.pop()!;
      if (reached.has(file)) continue;
      reached.add(file);
      if (!/\.(ts|js|mjs)$/.test(file)) continue;
      const source = await readFile(path.join(repository, file), 'utf8');
      for (const match of source.matchAll(IMPORT)) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), match[1]!));
        const resolved = await existing([
          target,
          `${target}.ts`,
          target.replace(/\.js$/, '.ts'),
          `${target}/index.ts`,
        ]);
        pending.push(resolved ?? target);
      }
    }
    const unkeyed = [...reached].filter((file) => !isKeyedPath(file, keyed));

    expect(handlers.length).toBeGreaterThan(0);
    expect(reached).toContain('infra/stack.ts');
    expect(unkeyed).toEqual([]);
  });
});
