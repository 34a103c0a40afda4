// Checks the real esbuild bundles of the test runs' shared synthesis (what `cdk synth` makes, and
// what the end-to-end and chaos runs run; synthesized only when the app changed): every handler
// was bundled, and no bundle is over the limit.
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
  it('names the bundles whose code is over the limit, not counting source maps', () => {
    const sizes: BundleSize[] = [
      { constructPath: 'big', assetDir: '/a', codeBytes: 2_000, mapBytes: 0 },
      { constructPath: 'small-with-big-map', assetDir: '/b', codeBytes: 900, mapBytes: 5_000 },
    ];

    const oversized = oversizedBundles(sizes, 1_000);

    expect(oversized.map((size) => size.constructPath)).toEqual(['big']);
  });
});
