// Prints the size of every function bundle in a cloud assembly and fails when one is too big:
// `npx tsx infra/report-bundle-sizes.ts [cdk.out]` after `npx cdk synth`.
// A bundle is what the runtime loads at a cold start, so its size is its cold start cost. The
// modules it loads only on some paths, in its `lazy/` folder (infra/constructs/bundling.ts), are
// counted apart: they cost nothing at a cold start.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LAZY_DIR } from './constructs/bundling.ts';

/** The largest bundle (the code loaded at a cold start, without source maps and lazy modules) that passes. */
export const MAX_BUNDLE_BYTES = 512 * 1024;

/** The size a bundle should stay within: what the cold start of most functions is held to (bench/bundle-start.bench.ts). */
export const TARGET_BUNDLE_BYTES = 400 * 1024;

export interface BundleSize {
  /** The function's construct path, e.g. `DroneDelivery-dev/Scheduler/Workflow/Resource`. */
  readonly constructPath: string;
  readonly assetDir: string;
  /** Bytes of the code files (`.mjs`/`.js`) loaded at a cold start: all but the lazy ones. */
  readonly codeBytes: number;
  /** Bytes of the code files in the bundle's `lazy/` folder, loaded only on the paths that need them. */
  readonly lazyBytes: number;
  /** Bytes of the source maps, the lazy modules' included. */
  readonly mapBytes: number;
}

interface TemplateResource {
  Type: string;
  Properties?: { Code?: { S3Key?: unknown } };
  Metadata?: Record<string, unknown>;
}

// The CLI records each asset's folder in the metadata; without it (an in-process synth), the
// folder is named after the S3 key's hash, as the asset manifest stages it.
function assetPathOf(resource: TemplateResource): string | undefined {
  const fromMetadata = resource.Metadata?.['aws:asset:path'];
  if (typeof fromMetadata === 'string') {
    return fromMetadata;
  }
  const key = resource.Properties?.Code?.S3Key;
  return typeof key === 'string' && key.endsWith('.zip')
    ? `asset.${key.slice(0, -'.zip'.length)}`
    : undefined;
}

const CODE_SUFFIXES = ['.mjs', '.js', '.cjs'];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

function stackTemplates(cloudAssemblyDir: string): string[] {
  const manifest = JSON.parse(readFileSync(path.join(cloudAssemblyDir, 'manifest.json'), 'utf8')) as {
    artifacts?: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  return Object.values(manifest.artifacts ?? {})
    .filter((artifact) => artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile)
    .map((artifact) => path.join(cloudAssemblyDir, artifact.properties?.templateFile ?? ''));
}

/** Measures the bundle of every Lambda function of every stack in a cloud assembly, largest first. */
export function measureBundles(cloudAssemblyDir: string): BundleSize[] {
  const sizes: BundleSize[] = [];
  for (const templateFile of stackTemplates(cloudAssemblyDir)) {
    const template = JSON.parse(readFileSync(templateFile, 'utf8')) as {
      Resources?: Record<string, TemplateResource>;
    };
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      const assetPath = resource.Type === 'AWS::Lambda::Function' ? assetPathOf(resource) : undefined;
      if (assetPath === undefined) {
        continue;
      }
      const assetDir = path.join(cloudAssemblyDir, assetPath);
      const files = statSync(assetDir).isDirectory() ? filesUnder(assetDir) : [assetDir];
      const lazyDir = path.join(assetDir, LAZY_DIR) + path.sep;
      const bytes = (suffixes: string[], lazy?: boolean): number =>
        files
          .filter((file) => suffixes.some((suffix) => file.endsWith(suffix)))
          .filter((file) => lazy === undefined || file.startsWith(lazyDir) === lazy)
          .reduce((sum, file) => sum + statSync(file).size, 0);
      sizes.push({
        constructPath: String(resource.Metadata?.['aws:cdk:path'] ?? logicalId),
        assetDir,
        codeBytes: bytes(CODE_SUFFIXES, false),
        lazyBytes: bytes(CODE_SUFFIXES, true),
        mapBytes: bytes(['.map']),
      });
    }
  }
  return sizes.sort((a, b) => b.codeBytes - a.codeBytes);
}

/** The bundles over the limit. */
export function oversizedBundles(sizes: readonly BundleSize[], limit = MAX_BUNDLE_BYTES): BundleSize[] {
  return sizes.filter((size) => size.codeBytes > limit);
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function main(): void {
  const cloudAssemblyDir = path.resolve(process.argv[2] ?? 'cdk.out');
  const sizes = measureBundles(cloudAssemblyDir);
  const width = Math.max(...sizes.map((size) => size.constructPath.length), 8);
  const columns = ['code', 'lazy', 'source map'];
  console.log(`${'function'.padEnd(width)}${columns.map((column) => `  ${column.padStart(12)}`).join('')}`);
  for (const size of sizes) {
    const figures = [size.codeBytes, size.lazyBytes, size.mapBytes].map(
      (bytes) => `  ${kib(bytes).padStart(12)}`,
    );
    console.log(`${size.constructPath.padEnd(width)}${figures.join('')}`);
  }
  const oversized = oversizedBundles(sizes);
  if (oversized.length > 0) {
    console.error(`\n${oversized.length} bundle(s) over ${kib(MAX_BUNDLE_BYTES)}:`);
    for (const size of oversized) {
      console.error(`  ${size.constructPath}: ${kib(size.codeBytes)}`);
    }
    process.exitCode = 1;
  } else {
    console.log(`\n${sizes.length} bundles, all within ${kib(MAX_BUNDLE_BYTES)}.`);
  }
  const overTarget = oversizedBundles(sizes, TARGET_BUNDLE_BYTES);
  if (overTarget.length > 0) {
    console.log(`${overTarget.length} over the target of ${kib(TARGET_BUNDLE_BYTES)}:`);
    for (const size of overTarget) console.log(`  ${size.constructPath}: ${kib(size.codeBytes)}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main();
}
