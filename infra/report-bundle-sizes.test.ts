// Synthesizes the app with the real esbuild bundling (what `cdk synth` does) once, then checks
// that every handler was bundled and that no bundle is over the limit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BundleSize,
  MAX_BUNDLE_BYTES,
  measureBundles,
  oversizedBundles,
} from './report-bundle-sizes.ts';
import { createApp } from './stack.ts';

describe('function bundles', () => {
  let outdir: string;
  let sizes: BundleSize[];

  beforeAll(() => {
    outdir = mkdtempSync(path.join(tmpdir(), 'drone-delivery-cdk-'));
    // As the CLI does: construct paths and asset folders in the template's metadata.
    const context = {
      stage: 'dev',
      'aws:cdk:enable-path-metadata': true,
      'aws:cdk:enable-asset-metadata': true,
    };
    createApp({ outdir, context }).app.synth();
    sizes = measureBundles(outdir);
  }, 300_000);

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  it('bundles every handler as an ES module with its source map', () => {
    const handlers = sizes.filter((size) => !size.constructPath.includes('AWSCDK.Trigger'));

    expect(handlers).toHaveLength(31);
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
  it('names the bundles whose code is over the limit, not counting source maps', () => {
    const sizes: BundleSize[] = [
      { constructPath: 'big', assetDir: '/a', codeBytes: 2_000, mapBytes: 0 },
      { constructPath: 'small-with-big-map', assetDir: '/b', codeBytes: 900, mapBytes: 5_000 },
    ];

    const oversized = oversizedBundles(sizes, 1_000);

    expect(oversized.map((size) => size.constructPath)).toEqual(['big']);
  });
});
