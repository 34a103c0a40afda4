import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BUNDLE_FILE,
  discardPrebundles,
  handlerCode,
  LAZY_DIR,
  LAZY_MODULES,
  prebundleHandlers,
} from './bundling.ts';

let project: string;
let entries: string[];

async function write(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

// Stand-ins for the lazy modules, which share a module as the real ones do: each answers its own name.
async function writeLazyModules(): Promise<void> {
  await write(
    path.join(project, 'node_modules', 'lazy-shared', 'package.json'),
    JSON.stringify({ name: 'lazy-shared', type: 'module', main: 'index.js' }),
  );
  await write(
    path.join(project, 'node_modules', 'lazy-shared', 'index.js'),
    "export const named = (name) => 'lazy ' + name;",
  );
  for (const specifier of LAZY_MODULES) {
    const folder = path.join(project, 'node_modules', ...specifier.split('/'));
    await write(
      path.join(folder, 'package.json'),
      JSON.stringify({ name: specifier, type: 'module', main: 'index.js' }),
    );
    await write(
      path.join(folder, 'index.js'),
      `import { named } from 'lazy-shared';\nexport const name = named(${JSON.stringify(specifier)});`,
    );
  }
}

// Two handlers that share a module, as the app's do, and one that imports a lazy module on its path.
beforeEach(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'bundling-'));
  await write(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true } }));
  await write(
    path.join(project, 'shared', 'greet.ts'),
    "export const greet = (name: string): string => 'hello ' + name;",
  );
  await write(
    path.join(project, 'functions', 'a.ts'),
    "import { greet } from '../shared/greet.ts';\nexport const handler = async () => greet('a');",
  );
  await write(
    path.join(project, 'functions', 'b.ts'),
    "import { greet } from '../shared/greet.ts';\nexport const handler = async () => ({ b: greet('b'), req: typeof require });",
  );
  await write(
    path.join(project, 'functions', 'c.ts'),
    "export const handler = async () => (await import('@aws-sdk/credential-provider-process')).name;",
  );
  await writeLazyModules();
  entries = ['a', 'b', 'c'].map((name) => path.join(project, 'functions', `${name}.ts`));
});

afterEach(async () => {
  discardPrebundles();
  await rm(project, { recursive: true, force: true });
});

// Synthesizes one function per entry into `outdir` and returns each function's asset folder.
function synthesize(outdir: string): string[] {
  // The template is not under test here: CDK's CloudFormation validation would only cost seconds.
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Bundles');
  for (const [index, entry] of entries.entries()) {
    new LambdaFunction(stack, `Fn${index}`, {
      code: handlerCode(entry, project),
      handler: 'index.handler',
      runtime: Runtime.NODEJS_24_X,
    });
  }
  const template = app.synth().getStackByName('Bundles').template as {
    Resources: Record<string, { Type: string; Properties: { Code: { S3Key: string } } }>;
  };
  return Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::Lambda::Function')
    .map((resource) => `asset.${resource.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
}

describe('handler bundles', () => {
  it('are the same bytes, and so the same assets, whether prebundled together or bundled one by one', async () => {
    const alone = synthesize(path.join(project, 'out-alone'));

    const together = path.join(project, 'out-together');
    await prebundleHandlers(entries, together, project);
    const prebundled = synthesize(together);

    expect(prebundled).toEqual(alone);
    expect(new Set(alone).size).toBe(3);
    for (const asset of alone) {
      const [first, second] = await Promise.all(
        [path.join(project, 'out-alone', asset), path.join(together, asset)].map((dir) =>
          readFile(path.join(dir, BUNDLE_FILE)),
        ),
      );
      expect(first!.equals(second!)).toBe(true);
    }
    // The lazy files too: the asset's name is the hash of all its files.
    const lazyOf = (outdir: string) => readdir(path.join(outdir, alone[2]!, LAZY_DIR));
    expect(await lazyOf(together)).toEqual(await lazyOf(path.join(project, 'out-alone')));
  });

  it('leave no prebundled copy behind once their functions took them', async () => {
    const outdir = path.join(project, 'out');
    await prebundleHandlers(entries, outdir, project);

    synthesize(outdir);

    expect((await readdir(outdir)).filter((name) => name.startsWith('prebundle.'))).toEqual([]);
  });

  it('are ES modules with their source map beside them, whose handler runs and can require()', async () => {
    const outdir = path.join(project, 'out');
    const [, assetOfB] = synthesize(outdir);
    const bundle = path.join(outdir, assetOfB!, BUNDLE_FILE);

    const module = (await import(pathToFileURL(bundle).href)) as { handler: () => Promise<unknown> };

    expect(await module.handler()).toEqual({ b: 'hello b', req: 'function' });
    expect(await readdir(path.join(outdir, assetOfB!))).toEqual([BUNDLE_FILE, `${BUNDLE_FILE}.map`]);
    // Not named in the bundle, so that --enable-source-maps does not parse it at every cold start.
    expect(await readFile(bundle, 'utf8')).not.toContain('sourceMappingURL');
    const map = JSON.parse(await readFile(`${bundle}.map`, 'utf8')) as { sources: string[] };
    expect(map.sources).toContain('../../functions/b.ts');
  });

  it('leave a lazy module out of the bundle and give it, with only what it needs, in the lazy folder', async () => {
    const outdir = path.join(project, 'out');
    const [assetOfA, , assetOfC] = synthesize(outdir);
    const bundle = path.join(outdir, assetOfC!, BUNDLE_FILE);

    const module = (await import(pathToFileURL(bundle).href)) as { handler: () => Promise<unknown> };

    expect(await module.handler()).toBe('lazy @aws-sdk/credential-provider-process');
    expect(await readFile(bundle, 'utf8')).not.toContain('lazy ');
    const lazyFiles = await readdir(path.join(outdir, assetOfC!, LAZY_DIR));
    expect(lazyFiles.filter((file) => !file.startsWith('chunk-'))).toEqual([
      'aws-sdk-credential-provider-process.mjs',
      'aws-sdk-credential-provider-process.mjs.map',
    ]);
    // A handler that imports no lazy module gets no lazy folder.
    expect(await readdir(path.join(outdir, assetOfA!))).toEqual([BUNDLE_FILE, `${BUNDLE_FILE}.map`]);
  });

  it('refuse a lazy module imported at the start: it would load at every cold start, counted apart', async () => {
    const entry = path.join(project, 'functions', 'd.ts');
    await write(
      entry,
      "import { name } from '@aws-sdk/credential-provider-process';\nexport const handler = async () => name;",
    );

    await expect(prebundleHandlers([entry], path.join(project, 'out'), project)).rejects.toThrow(
      /imports the lazy module aws-sdk-credential-provider-process\.mjs at its start/,
    );
  });

  it('removes prebundled copies nobody took', async () => {
    const outdir = path.join(project, 'out');
    await prebundleHandlers(entries, outdir, project);

    discardPrebundles();

    expect(await readdir(outdir)).toEqual([]);
  });
});
