// Bundles handler entries again for a hot reload, with the esbuild options of the CDK bundling
// (infra/constructs/bundling.ts), into a new folder per reload under the state folder: never into the
// cloud assembly, whose synthesis cache (synth/cache.ts) must only ever hold what a synthesis made.
// esbuild's incremental contexts are kept for the last few sets of entries, so that saving the same
// file again re-parses only what changed. The lazy modules (`lazy/`) come from node_modules, which a
// hot reload does not follow: the synthesized bundles' files are linked beside the new bundle.
import { copyFile, link, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type BuildContext,
  type BuildOptions,
  build,
  context,
  formatMessages,
  type Message,
  type Metafile,
} from 'esbuild';
import { BUNDLE_FILE, esbuildOptions, LAZY_DIR, LAZY_MODULES, lazyFile } from '../../constructs/bundling.ts';

// bundling.ts keeps this private: it must stay as there (rebundle.test.ts compares the bundles).
const BUNDLED_SUBPATHS: readonly string[] = ['@aws-lambda-powertools/tracer/middleware'];

const EXTENSION = path.extname(BUNDLE_FILE);

// Each set of entries keeps an esbuild context (parsed modules in memory); older ones are disposed.
const MAX_CONTEXTS = 3;

/** A handler's esbuild options, as the CDK bundling's: every lazy module imported from LAZY_DIR. */
export function handlerBuildOptions(projectRoot: string): BuildOptions {
  return {
    ...esbuildOptions(projectRoot),
    alias: Object.fromEntries([
      ...LAZY_MODULES.map((specifier) => [specifier, `./${lazyFile(specifier)}`]),
      ...BUNDLED_SUBPATHS.map((specifier) => [specifier, specifier]),
    ]),
    external: [`./${LAZY_DIR}/*`],
  };
}

/** The lazy module files beside the bundles in these folders, by file name (the same name has the same bytes in all). */
export async function collectLazyFiles(codeDirs: readonly string[]): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const codeDir of codeDirs) {
    const dir = path.join(codeDir, LAZY_DIR);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) if (!files.has(name)) files.set(name, path.join(dir, name));
  }
  return files;
}

/** One entry's new bundle. */
export interface RebuiltBundle {
  entry: string;
  /** The folder with the bundle, its source map and its `lazy/` files. */
  codeDir: string;
  /** Every module of the project and its packages the bundle was made from (absolute paths). */
  inputs: string[];
}

export type RebundleOutcome =
  | { ok: true; bundles: RebuiltBundle[]; warnings: string }
  | { ok: false; errors: string };

export interface RebundlerOptions {
  projectRoot: string;
  /** The folder the reloaded bundles are written under (one subfolder per reload). */
  outRoot: string;
  /** The lazy module files of the synthesized bundles, by file name. */
  lazyFiles: ReadonlyMap<string, string>;
}

export interface Rebundler {
  /** Bundles the entries (absolute paths) in one esbuild run; an error leaves nothing written. */
  rebundle(entries: readonly string[]): Promise<RebundleOutcome>;
  /**
   * Bundles an entry once and keeps nothing: esbuild's first build in a process takes about twice
   * as long as later ones (its service starts, its heap grows), which the first reload then spares.
   */
  warmUp(entry: string): Promise<void>;
  dispose(): Promise<void>;
}

// `functions/openapi/get-openapi.ts` → `functions_openapi_get-openapi.ts`, as the prebundle folders.
function folderOf(entry: string, projectRoot: string): string {
  return path.relative(projectRoot, entry).replace(/[^\w.-]/g, '_');
}

function metafileKey(projectRoot: string, file: string): string {
  return path.relative(projectRoot, file).split(path.sep).join('/');
}

// The modules reachable from an entry through the imports esbuild resolved.
function reachableInputs(metafile: Metafile, entryKey: string, projectRoot: string): string[] {
  const seen = new Set<string>();
  const pending = [entryKey];
  for (let key = pending.pop(); key !== undefined; key = pending.pop()) {
    const input = metafile.inputs[key];
    if (seen.has(key) || input === undefined) continue;
    seen.add(key);
    for (const imported of input.imports) if (!imported.external) pending.push(imported.path);
  }
  return [...seen].map((key) => path.resolve(projectRoot, key));
}

// The lazy files a bundle imports (names in LAZY_DIR).
function lazyImports(metafile: Metafile, outputKey: string): string[] {
  const prefix = `./${LAZY_DIR}/`;
  return (metafile.outputs[outputKey]?.imports ?? [])
    .filter((imported) => imported.external && imported.path.startsWith(prefix))
    .map((imported) => imported.path.slice(prefix.length));
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
  }
}

async function describeMessages(messages: Message[], kind: 'error' | 'warning'): Promise<string> {
  if (messages.length === 0) return '';
  return (await formatMessages(messages, { kind, color: false })).join('').trimEnd();
}

/** Creates the rebundler of a project. */
export function createRebundler(options: RebundlerOptions): Rebundler {
  const { projectRoot, outRoot, lazyFiles } = options;
  // Outputs are named as if written here, at the depth of the reload folders, so the source maps fit.
  const buildDir = path.join(outRoot, 'building');
  const contexts = new Map<string, Promise<BuildContext>>();
  let reloads = 0;

  function contextFor(entries: readonly string[]): Promise<BuildContext> {
    const key = entries.join('\n');
    const found = contexts.get(key);
    if (found) {
      contexts.delete(key);
      contexts.set(key, found);
      return found;
    }
    const created = context({
      ...handlerBuildOptions(projectRoot),
      entryPoints: entries.map((entry) => ({
        in: entry,
        out: `${folderOf(entry, projectRoot)}/${path.parse(BUNDLE_FILE).name}`,
      })),
      outdir: buildDir,
      outExtension: { '.js': EXTENSION },
      write: false,
      // Errors are reported by the hot reload, once, with the files that changed.
      logLevel: 'silent',
    });
    contexts.set(key, created);
    for (const [oldKey, old] of contexts) {
      if (contexts.size <= MAX_CONTEXTS) break;
      contexts.delete(oldKey);
      void old.then(
        (stale) => stale.dispose(),
        () => {},
      );
    }
    return created;
  }

  return {
    async rebundle(entries) {
      const sorted = [...new Set(entries)].sort();
      let result: Awaited<ReturnType<BuildContext['rebuild']>>;
      try {
        result = await (await contextFor(sorted)).rebuild();
      } catch (error) {
        const messages = (error as { errors?: Message[] }).errors;
        if (!messages) return { ok: false, errors: (error as Error).message };
        return { ok: false, errors: await describeMessages(messages, 'error') };
      }
      const metafile = result.metafile!;
      const wanted = new Map(
        sorted.map((entry) => {
          const output = path.join(buildDir, folderOf(entry, projectRoot), BUNDLE_FILE);
          return [entry, lazyImports(metafile, metafileKey(projectRoot, output))];
        }),
      );
      const missing = [...new Set([...wanted.values()].flat())].filter((file) => !lazyFiles.has(file));
      if (missing.length > 0) {
        return {
          ok: false,
          errors: `the new bundle imports lazy module files no synthesized bundle has (${missing.join(', ')}): restart npm start to apply it`,
        };
      }
      reloads += 1;
      const reloadDir = path.join(outRoot, String(reloads));
      for (const file of result.outputFiles ?? []) {
        const target = path.join(reloadDir, path.relative(buildDir, file.path));
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, file.contents);
      }
      const bundles: RebuiltBundle[] = [];
      for (const entry of sorted) {
        const codeDir = path.join(reloadDir, folderOf(entry, projectRoot));
        if ((wanted.get(entry) ?? []).length > 0) {
          await mkdir(path.join(codeDir, LAZY_DIR), { recursive: true });
          for (const [name, file] of lazyFiles) await linkOrCopy(file, path.join(codeDir, LAZY_DIR, name));
        }
        const inputs = reachableInputs(metafile, metafileKey(projectRoot, entry), projectRoot);
        bundles.push({ entry, codeDir, inputs });
      }
      return { ok: true, bundles, warnings: await describeMessages(result.warnings, 'warning') };
    },
    async warmUp(entry) {
      await build({
        ...handlerBuildOptions(projectRoot),
        entryPoints: [entry],
        outdir: buildDir,
        outExtension: { '.js': EXTENSION },
        write: false,
        logLevel: 'silent',
      }).catch(() => {});
    },
    async dispose() {
      const open = [...contexts.values()];
      contexts.clear();
      await Promise.allSettled(open.map(async (pending) => (await pending).dispose()));
    },
  };
}
