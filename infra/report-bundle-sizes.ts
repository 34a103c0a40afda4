// Prints the size of every function bundle in a cloud assembly and fails when one is too big:
// `npx tsx infra/report-bundle-sizes.ts [cdk.out]` after `npx cdk synth`.
// A bundle is what the runtime loads at a cold start, so its size is its cold start cost.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The largest bundle (the code file, without its source map) that passes: 1 MiB. */
export const MAX_BUNDLE_BYTES = 1024 * 1024;

export interface BundleSize {
  /** The function's construct path, e.g. `DroneDelivery-dev/Scheduler/Workflow/Resource`. */
  readonly constructPath: string;
  readonly assetDir: string;
  /** Bytes of the code files (`.mjs`/`.js`). */
  readonly codeBytes: number;
  /** Bytes of the source maps. */
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
      const bytes = (suffixes: string[]): number =>
        files
          .filter((file) => suffixes.some((suffix) => file.endsWith(suffix)))
          .reduce((sum, file) => sum + statSync(file).size, 0);
      sizes.push({
        constructPath: String(resource.Metadata?.['aws:cdk:path'] ?? logicalId),
        assetDir,
        codeBytes: bytes(['.mjs', '.js', '.cjs']),
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
  console.log(`${'function'.padEnd(width)}  ${'code'.padStart(12)}  ${'source map'.padStart(12)}`);
  for (const size of sizes) {
    console.log(
      `${size.constructPath.padEnd(width)}  ${kib(size.codeBytes).padStart(12)}  ${kib(size.mapBytes).padStart(12)}`,
    );
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
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main();
}
