// Checks the real esbuild bundles of the test runs' shared synthesis (what `cdk synth` makes, and
// what the end-to-end and chaos runs run; synthesized only when the app changed): every handler
// was bundled, and no bundle is over the limit.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthesizeOnce } from '../test/support/local-cloud.ts';
import {
  type BundleSize,
  MAX_BUNDLE_BYTES,
  measureBundles,
  oversizedBundles,
} from './report-bundle-sizes.ts';

describe('function bundles', () => {
  let sizes: BundleSize[];

  beforeAll(async () => {
    sizes = measureBundles((await synthesizeOnce()).outdir);
  }, 300_000);

  it('bundles every handler as an ES module with its source map', () => {
    const handlers = sizes.filter((size) => !size.constructPath.includes('AWSCDK.Trigger'));

    expect(handlers).toHaveLength(39);
    for (const size of handlers) {
      expect(size.codeBytes, size.constructPath).toBeGreaterThan(0);
      expect(size.mapBytes, size.constructPath).toBeGreaterThan(0);
    }
  });

  it(`keeps every bundle within ${MAX_BUNDLE_BYTES} bytes`, () => {
    const oversized = oversizedBundles(sizes).map((size) => `${size.constructPath}: ${size.codeBytes}`);

    expect(oversized).toEqual([]);
  });
});

describe('oversizedBundles', () => {
  it('names the bundles whose code is over the limit, not counting source maps or lazy modules', () => {
    const sizes: BundleSize[] = [
      { constructPath: 'big', assetDir: '/a', codeBytes: 2_000, lazyBytes: 0, mapBytes: 0 },
      { constructPath: 'small-with-big-map', assetDir: '/b', codeBytes: 900, lazyBytes: 0, mapBytes: 5_000 },
      { constructPath: 'small-with-big-lazy', assetDir: '/c', codeBytes: 900, lazyBytes: 5_000, mapBytes: 0 },
    ];

    const oversized = oversizedBundles(sizes, 1_000);

    expect(oversized.map((size) => size.constructPath)).toEqual(['big']);
  });
});

describe('measureBundles', () => {
  it('counts the code of the lazy folder apart from the code loaded at a cold start', async () => {
    const assembly = await mkdtemp(path.join(tmpdir(), 'bundle-sizes-'));
    const files: Record<string, number> = {
      'asset.1/index.mjs': 300,
      'asset.1/index.mjs.map': 700,
      'asset.1/lazy/tracer.mjs': 120,
      'asset.1/lazy/chunk-A.mjs': 30,
      'asset.1/lazy/tracer.mjs.map': 400,
    };
    for (const [file, bytes] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(assembly, file)), { recursive: true });
      await writeFile(path.join(assembly, file), 'x'.repeat(bytes));
    }
    await writeFile(
      path.join(assembly, 'manifest.json'),
      JSON.stringify({
        artifacts: {
          Stack: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Stack.json' } },
        },
      }),
    );
    await writeFile(
      path.join(assembly, 'Stack.json'),
      JSON.stringify({
        Resources: {
          Fn: {
            Type: 'AWS::Lambda::Function',
            Metadata: { 'aws:cdk:path': 'Stack/Fn/Resource', 'aws:asset:path': 'asset.1' },
          },
        },
      }),
    );

    try {
      expect(measureBundles(assembly)).toEqual([
        {
          constructPath: 'Stack/Fn/Resource',
          assetDir: path.join(assembly, 'asset.1'),
          codeBytes: 300,
          lazyBytes: 150,
          mapBytes: 1_100,
        },
      ]);
    } finally {
      await rm(assembly, { recursive: true, force: true });
    }
  });
});
