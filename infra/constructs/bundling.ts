// How every handler is bundled: one esbuild configuration, run through esbuild's API rather than a
// CLI process per handler, and for a whole app in one esbuild run when prebundleHandlers ran first.
// One run parses the modules the handlers share (the AWS SDK, shared/, events/) once instead of once
// per handler: on a 2-core machine that takes the bundling of a cold synthesis from about 26 s
// (NodejsFunction: one `npx esbuild` per function) to about 7 s. The asset is still named after the
// hash of the bundle itself, as NodejsFunction's is, so a deployment uploads only what changed.
// The modules a handler needs only on some paths (LAZY_MODULES) stay out of its bundle: one more run
// bundles them, in chunks they share, and each function gets in `lazy/` the files its bundle may
// import. The runtime loads them when such a path runs, never at the cold start. A handler's own
// bundle stays one file: chunks shared between handlers would tie each function's asset to the others'.
import { cpSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { AssetHashType, DockerImage, type ILocalBundling } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { type BuildOptions, build, buildSync, type Metafile } from 'esbuild';

/** The bundle's file: the function's handler is `index.handler`. */
export const BUNDLE_FILE = 'index.mjs';

/** The folder, beside the bundle, of the modules it imports only on some paths. */
export const LAZY_DIR = 'lazy';

/** Modules no handler needs at its cold start, each imported from LAZY_DIR on the path that needs it. */
export const LAZY_MODULES: readonly string[] = [
  // Imported where tracing is on, at the first invocation (shared/observability.ts), with the X-Ray SDK.
  '@aws-lambda-powertools/tracer',
  // The SDK's default credential chain imports these only when the environment holds no credentials;
  // Lambda and the local cloud always put them there.
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
  '@smithy/credential-provider-imds',
  // The SDK's protocols import event streams only for an operation that streams (HttpProtocol's
  // dynamic import); no function calls one. About 20 KiB of every bundle.
  '@smithy/core/event-streams',
  // The notification providers, imported on the path that sends through them
  // (functions/notifications/adapters/aws-sender.ts): about 110 KiB of SendNotifications.
  '@aws-sdk/client-sesv2',
  '@aws-sdk/client-sns',
];

// A lazy module's alias would also take its package's subpaths: these stay in the bundle as usual.
const BUNDLED_SUBPATHS: readonly string[] = [
  // Powertools' middleware: a few lines, given the tracer once it is loaded (shared/middleware/tracing.ts).
  '@aws-lambda-powertools/tracer/middleware',
];

const EXTENSION = path.extname(BUNDLE_FILE);

// `@aws-lambda-powertools/tracer` → `aws-lambda-powertools-tracer`: the lazy entry's file name.
function lazyName(specifier: string): string {
  return specifier.replace(/^@/, '').replaceAll('/', '-');
}

/** Where a lazy module is, relative to the bundle: `lazy/aws-lambda-powertools-tracer.mjs`. */
export function lazyFile(specifier: string): string {
  return `${LAZY_DIR}/${lazyName(specifier)}${EXTENSION}`;
}

// ESM bundles still meet CommonJS dependencies that call require(); this gives them one.
const CREATE_REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/** The esbuild options of every bundle: a handler's, built alone or with the app's others, and the lazy modules'. */
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
    // `index.mjs.map` beside the bundle but not named in it: Node.js with --enable-source-maps would
    // read and parse a linked map at every cold start before the handler runs (about a sixth of the
    // largest function's module init). A stack trace from the logs is mapped with it offline instead.
    sourcemap: 'external',
    // The map only has to translate stack traces; the sources are in the repository.
    sourcesContent: false,
    // The SDK is bundled (nothing is external but the lazy modules): pinned versions, tree-shaken,
    // and no dependence on the runtime's copy.
    banner: { js: CREATE_REQUIRE_BANNER },
    tsconfig: path.join(projectRoot, 'tsconfig.json'),
    logLevel: 'warning',
    metafile: true,
  };
}

// A handler's options: every import of a lazy module becomes an import of its file in LAZY_DIR.
function handlerOptions(projectRoot: string): BuildOptions {
  return {
    ...esbuildOptions(projectRoot),
    alias: Object.fromEntries([
      ...LAZY_MODULES.map((specifier) => [specifier, `./${lazyFile(specifier)}`]),
      ...BUNDLED_SUBPATHS.map((specifier) => [specifier, specifier]),
    ]),
    external: [`./${LAZY_DIR}/*`],
  };
}

// The lazy modules, all of them, always together: so their chunks, and the bytes of every file, are
// the same whichever handler asked for them and however it was built.
function lazyOptions(projectRoot: string, outdir: string): BuildOptions {
  return {
    ...esbuildOptions(projectRoot),
    entryPoints: LAZY_MODULES.map((specifier) => ({ in: specifier, out: lazyName(specifier) })),
    outdir,
    splitting: true,
    outExtension: { '.js': EXTENSION },
  };
}

// An output's key in esbuild's metafile: relative to the working folder, with forward slashes.
function metafileKey(projectRoot: string, file: string): string {
  return path.relative(projectRoot, file).split(path.sep).join('/');
}

// The lazy files a handler's bundle imports (file names in LAZY_DIR).
function lazyImports(metafile: Metafile, bundle: string): string[] {
  const prefix = `./${LAZY_DIR}/`;
  return (metafile.outputs[bundle]?.imports ?? []).flatMap((imported) => {
    if (!imported.external || !imported.path.startsWith(prefix)) return [];
    const file = imported.path.slice(prefix.length);
    if (file.includes('/')) {
      throw new Error(`${bundle} imports a subpath of a lazy module (${file}): add it to BUNDLED_SUBPATHS`);
    }
    // A static import would load the file at the cold start, while the bundle's size counts it apart.
    if (imported.kind !== 'dynamic-import') {
      throw new Error(`${bundle} imports the lazy module ${file} at its start: import it with import()`);
    }
    return [file];
  });
}

// Those files with every chunk they import, at once or later, and the source maps of all.
function lazyClosure(metafile: Metafile, lazyDir: string, projectRoot: string, wanted: string[]): string[] {
  const key = (file: string) => metafileKey(projectRoot, path.join(lazyDir, file));
  const files = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    const output = metafile.outputs[key(file)];
    if (output === undefined) throw new Error(`lazy module file ${file} was not built`);
    files.add(file);
    if (metafile.outputs[key(`${file}.map`)] !== undefined) files.add(`${file}.map`);
    for (const imported of output.imports) {
      if (!imported.external) visit(path.relative(lazyDir, path.resolve(projectRoot, imported.path)));
    }
  };
  for (const file of wanted) visit(file);
  return [...files].sort();
}

function copyFiles(files: readonly string[], from: string, to: string): void {
  if (files.length === 0) return;
  mkdirSync(to, { recursive: true });
  for (const file of files) cpSync(path.join(from, file), path.join(to, file));
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
      for (const file of readdirSync(ready)) renameSync(path.join(ready, file), path.join(outputDir, file));
      rmSync(ready, { recursive: true, force: true });
      return true;
    }
    const outfile = path.join(outputDir, BUNDLE_FILE);
    const { metafile } = buildSync({
      ...handlerOptions(this.projectRoot),
      entryPoints: [this.entry],
      outfile,
    });
    const wanted = lazyImports(metafile!, metafileKey(this.projectRoot, outfile));
    if (wanted.length > 0) {
      const lazyDir = path.join(outputDir, LAZY_DIR);
      const lazy = buildSync(lazyOptions(this.projectRoot, lazyDir));
      const keep = new Set(lazyClosure(lazy.metafile!, lazyDir, this.projectRoot, wanted));
      for (const file of readdirSync(lazyDir)) {
        if (!keep.has(file)) rmSync(path.join(lazyDir, file));
      }
    }
    return true;
  }
}

/** A handler's code: its entry bundled by esbuild into `index.mjs` with its source map, and its `lazy/` files. */
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
 * Bundles these handler entries in one esbuild run into the cloud assembly folder `outdir` (and the
 * lazy modules in another); the functions built afterwards in this process take their bundle from
 * there instead of bundling.
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
  const { metafile } = await build({
    ...handlerOptions(projectRoot),
    entryPoints: unique.map((entry) => ({
      in: entry,
      out: path.relative(outdir, path.join(folders.get(entry)!, path.parse(BUNDLE_FILE).name)),
    })),
    outdir,
    outExtension: { '.js': EXTENSION },
  });
  for (const [entry, folder] of folders) prebundled.set(entry, folder);
  const wanted = new Map(
    unique.map((entry) => [
      entry,
      lazyImports(metafile!, metafileKey(projectRoot, path.join(folders.get(entry)!, BUNDLE_FILE))),
    ]),
  );
  if (![...wanted.values()].some((files) => files.length > 0)) return;
  // Beside the prebundle folders, at the depth of their `lazy/`, so that the source maps match.
  const staging = path.join(outdir, 'prebundle.lazy');
  const lazyDir = path.join(staging, LAZY_DIR);
  try {
    const lazy = await build(lazyOptions(projectRoot, lazyDir));
    for (const [entry, files] of wanted) {
      const closure = lazyClosure(lazy.metafile!, lazyDir, projectRoot, files);
      copyFiles(closure, lazyDir, path.join(folders.get(entry)!, LAZY_DIR));
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Removes the prebundled copies no function took (a synthesis that failed half way). */
export function discardPrebundles(): void {
  for (const folder of prebundled.values()) rmSync(folder, { recursive: true, force: true });
  prebundled.clear();
}
