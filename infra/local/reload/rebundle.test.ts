import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discardPrebundles, prebundleHandlers } from '../../constructs/bundling.ts';
import { readBundleInputs } from './bundle-inputs.ts';
import { collectLazyFiles, createRebundler, type Rebundler } from './rebundle.ts';

// Rebundling entries for a hot reload: the output, its inputs, build errors, the lazy module
// files, and the same bytes as the CDK bundling.

const PROJECT_ROOT = path.resolve(import.meta.dirname, '../../..');

let root: string;
let rebundler: Rebundler | undefined;

function write(relative: string, text: string): string {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'rebundle-'));
  write('tsconfig.json', '{}');
});

afterEach(async () => {
  await rebundler?.dispose();
  rebundler = undefined;
  rmSync(root, { recursive: true, force: true });
});

describe('createRebundler', () => {
  it('bundles an entry into a new folder with its source map, and tells its inputs', async () => {
    const greeting = write('shared/greeting.ts', `export const greeting: string = 'hello';`);
    const entry = write(
      'functions/greet.ts',
      `import { greeting } from '../shared/greeting.ts';\nexport const handler = async () => ({ greeting });`,
    );
    rebundler = createRebundler({ projectRoot: root, outRoot: path.join(root, 'out'), lazyFiles: new Map() });

    const outcome = await rebundler.rebundle([entry]);

    if (!outcome.ok) throw new Error(outcome.errors);
    const [bundle] = outcome.bundles;
    const loaded = await import(pathToFileURL(path.join(bundle!.codeDir, 'index.mjs')).href);
    expect(bundle?.entry).toBe(entry);
    expect(bundle?.inputs.sort()).toEqual([entry, greeting]);
    expect(await loaded.handler()).toEqual({ greeting: 'hello' });
    // The source map names the project's files, as a synthesized bundle's does.
    expect(await readBundleInputs(bundle!.codeDir, 'index.handler', root)).toEqual({
      entry,
      inputs: [greeting, entry],
    });
  });

  it('writes each rebuild to a folder of its own', async () => {
    const entry = write('functions/a.ts', 'export const handler = async () => 1;');
    rebundler = createRebundler({ projectRoot: root, outRoot: path.join(root, 'out'), lazyFiles: new Map() });

    const first = await rebundler.rebundle([entry]);
    write('functions/a.ts', 'export const handler = async () => 2;');
    const second = await rebundler.rebundle([entry]);

    const dirs = [first, second].map((outcome) => (outcome.ok ? outcome.bundles[0]?.codeDir : undefined));
    expect(new Set(dirs).size).toBe(2);
    expect(readFileSync(path.join(dirs[0]!, 'index.mjs'), 'utf8')).toContain('1');
    expect(readFileSync(path.join(dirs[1]!, 'index.mjs'), 'utf8')).toContain('2');
  });

  it("answers esbuild's error for a syntax error and writes nothing", async () => {
    const entry = write('functions/a.ts', 'export const handler = async () => {;');
    const outRoot = path.join(root, 'out');
    rebundler = createRebundler({ projectRoot: root, outRoot, lazyFiles: new Map() });

    const outcome = await rebundler.rebundle([entry]);

    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? '' : outcome.errors).toMatch(
      /\[ERROR\] Unexpected end of file\s+functions\/a\.ts:1:\d+:/,
    );
    expect(existsSync(outRoot) ? readdirSync(outRoot) : []).toEqual([]);
  });

  it('links the lazy module files beside a bundle that imports one, and refuses one no bundle has', async () => {
    const entry = write(
      'functions/traced.ts',
      `import { Tracer } from '@aws-lambda-powertools/tracer';\nexport const handler = async () => new Tracer();`,
    );
    const lazyFile = write('cdk.out/asset.1/lazy/aws-lambda-powertools-tracer.mjs', 'export class Tracer {}');
    const lazyFiles = await collectLazyFiles([path.join(root, 'cdk.out/asset.1'), path.join(root, 'none')]);
    rebundler = createRebundler({ projectRoot: root, outRoot: path.join(root, 'out'), lazyFiles });
    const without = createRebundler({
      projectRoot: root,
      outRoot: path.join(root, 'out2'),
      lazyFiles: new Map(),
    });

    const outcome = await rebundler.rebundle([entry]);
    const refused = await without.rebundle([entry]);
    await without.dispose();

    if (!outcome.ok) throw new Error(outcome.errors);
    const codeDir = outcome.bundles[0]!.codeDir;
    expect(readFileSync(path.join(codeDir, 'index.mjs'), 'utf8')).toContain(
      './lazy/aws-lambda-powertools-tracer.mjs',
    );
    expect(readFileSync(path.join(codeDir, 'lazy', 'aws-lambda-powertools-tracer.mjs'), 'utf8')).toBe(
      readFileSync(lazyFile, 'utf8'),
    );
    expect(refused).toEqual({
      ok: false,
      errors: expect.stringContaining('aws-lambda-powertools-tracer.mjs): restart npm start to apply it'),
    });
  });
});

describe('createRebundler with the CDK bundling', () => {
  it("makes a handler's bundle byte for byte as the synthesis does", async () => {
    const entry = path.join(PROJECT_ROOT, 'functions', 'openapi', 'get-openapi.ts');
    const synthesized = path.join(root, 'cdk.out');
    await prebundleHandlers([entry], synthesized, PROJECT_ROOT);
    const prebundle = path.join(synthesized, 'prebundle.functions_openapi_get-openapi.ts');
    try {
      const lazyFiles = await collectLazyFiles([prebundle]);
      rebundler = createRebundler({
        projectRoot: PROJECT_ROOT,
        outRoot: path.join(root, 'reload'),
        lazyFiles,
      });

      const outcome = await rebundler.rebundle([entry]);

      if (!outcome.ok) throw new Error(outcome.errors);
      const codeDir = outcome.bundles[0]!.codeDir;
      expect(readFileSync(path.join(codeDir, 'index.mjs'))).toEqual(
        readFileSync(path.join(prebundle, 'index.mjs')),
      );
      expect(existsSync(path.join(codeDir, 'lazy'))).toBe(existsSync(path.join(prebundle, 'lazy')));
    } finally {
      discardPrebundles();
    }
    // Two real bundlings of a handler with the AWS SDK: seconds each on a busy 2-core machine.
  }, 120_000);
});
