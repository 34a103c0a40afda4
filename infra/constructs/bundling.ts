// How every handler is bundled: one esbuild configuration, run through esbuild's API rather than a
// CLI process per handler, and for a whole app in one esbuild run when prebundleHandlers ran first.
// One run parses the modules the handlers share (the AWS SDK, shared/, events/) once instead of once
// per handler: on a 2-core machine that takes the bundling of a cold synthesis from about 26 s
// (NodejsFunction: one `npx esbuild` per function) to about 7 s. The asset is still named after the
// hash of the bundle itself, as NodejsFunction's is, so a deployment uploads only what changed.
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { AssetHashType, DockerImage, type ILocalBundling } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { type BuildOptions, build, buildSync } from 'esbuild';

/** The bundle's file: the function's handler is `index.handler`. */
export const BUNDLE_FILE = 'index.mjs';

// ESM bundles still meet CommonJS dependencies that call require(); this gives them one.
const CREATE_REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/** The esbuild options of every handler bundle, whether built alone or with the app's other handlers. */
export function esbuildOptions(projectRoot: string): BuildOptions {
  return {
    absWorkingDir: projectRoot,
    bundle: true,
    platform: 'node',
    format: 'esm',
    // node20: the same bundle also runs in the local cloud on Node.js 20.
    target: 'node20',
    mainFields: ['module', 'main'],
    minify: true,
    // `index.mjs.map` beside the bundle, for NODE_OPTIONS=--enable-source-maps.
    sourcemap: 'linked',
    // The map only has to translate stack traces; the sources are in the repository.
    sourcesContent: false,
    // The SDK is bundled (nothing is external): pinned versions, tree-shaken, and no dependence on
    // the runtime's copy.
    banner: { js: CREATE_REQUIRE_BANNER },
    tsconfig: path.join(projectRoot, 'tsconfig.json'),
    logLevel: 'warning',
  };
}

// Bundles made by prebundleHandlers in this process, by entry, waiting for their function's asset.
const prebundled = new Map<string, string>();

// A bundle's source map names the sources relative to the bundle's folder. Every folder a bundle is
// written to (a prebundle folder, CDK's bundling folder, the staged asset) sits directly in the
// cloud assembly folder, so the bytes, and with them the asset's hash, are the same whichever way
// it was built.
function prebundleFolder(outdir: string, entry: string, projectRoot: string): string {
  return path.join(outdir, `prebundle.${path.relative(projectRoot, entry).replace(/[^\w.-]/g, '_')}`);
}

/** CDK's local bundling of one handler: takes its prebundled copy when there is one, else bundles it. */
export class HandlerBundler implements ILocalBundling {
  // Both are part of CDK's cache key of the asset (its JSON), which must differ between handlers.
  constructor(
    readonly entry: string,
    readonly projectRoot: string,
  ) {}

  tryBundle(outputDir: string): boolean {
    const ready = prebundled.get(this.entry);
    if (ready !== undefined) {
      prebundled.delete(this.entry);
      for (const file of [BUNDLE_FILE, `${BUNDLE_FILE}.map`]) {
        renameSync(path.join(ready, file), path.join(outputDir, file));
      }
      rmSync(ready, { recursive: true, force: true });
      return true;
    }
    buildSync({
      ...esbuildOptions(this.projectRoot),
      entryPoints: [this.entry],
      outfile: path.join(outputDir, BUNDLE_FILE),
    });
    return true;
  }
}

/** A handler's code: its entry bundled by esbuild into `index.mjs` with its source map. */
export function handlerCode(entry: string, projectRoot: string): Code {
  return Code.fromAsset(projectRoot, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never pulled: the local bundler always bundles (esbuild is a dependency; nothing needs Docker).
      image: DockerImage.fromRegistry('scratch'),
      local: new HandlerBundler(entry, projectRoot),
    },
  });
}

/**
 * Bundles these handler entries in one esbuild run into the cloud assembly folder `outdir`; the
 * functions built afterwards in this process take their bundle from there instead of bundling.
 */
export async function prebundleHandlers(
  entries: readonly string[],
  outdir: string,
  projectRoot: string,
): Promise<void> {
  const unique = [...new Set(entries)];
  if (unique.length === 0) return;
  mkdirSync(outdir, { recursive: true });
  const folders = new Map(unique.map((entry) => [entry, prebundleFolder(outdir, entry, projectRoot)]));
  await build({
    ...esbuildOptions(projectRoot),
    entryPoints: unique.map((entry) => ({
      in: entry,
      out: path.relative(outdir, path.join(folders.get(entry)!, path.parse(BUNDLE_FILE).name)),
    })),
    outdir,
    outExtension: { '.js': path.extname(BUNDLE_FILE) },
  });
  for (const [entry, folder] of folders) prebundled.set(entry, folder);
}

/** Removes the prebundled copies no function took (a synthesis that failed half way). */
export function discardPrebundles(): void {
  for (const folder of prebundled.values()) rmSync(folder, { recursive: true, force: true });
  prebundled.clear();
}
