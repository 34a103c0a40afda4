// Hot reload of the running local cloud (docs/architecture.md §6): a saved file under functions/,
// shared/ or events/ is bundled again into the functions whose bundles include it, and their new
// invocations run the new code while those under way finish on the old; tables, queues and
// everything else keep their state. A change under infra/ (the stack, the local cloud) needs a
// restart, which it says. A bundle that does not build leaves the functions on their old code.
import { rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { LocalLambdaHost } from '../lambda/host.ts';
import type { LocalLogger, ResolvedStack } from '../model.ts';
import { isProjectSource, readBundleInputs } from './bundle-inputs.ts';
import { classifyChange, type WatchedFolders } from './changes.ts';
import { createInputMap } from './input-map.ts';
import type { Rebundler } from './rebundle.ts';
import { watchSources } from './watch.ts';

/** Turns hot reload on for a project. */
export interface HotReloadOptions {
  /** The project the functions are bundled from (where cdk.json and tsconfig.json are). */
  projectRoot: string;
  /** How long a burst of changes may pause before the reload starts (default 30 ms). */
  debounceMs?: number;
}

export interface StartHotReloadOptions extends HotReloadOptions {
  /** The reloaded bundles go to `<stateDir>/reload`, emptied at start. */
  stateDir: string;
  stack: ResolvedStack;
  lambda: LocalLambdaHost;
  log: LocalLogger;
}

export interface HotReload {
  /** Resolves once the map of bundle inputs is built and esbuild warmed up; changes seen before then wait for it. */
  ready: Promise<void>;
  close(): Promise<void>;
}

const FOLDERS: WatchedFolders = { reload: ['functions', 'shared', 'events'], restart: ['infra'] };
const DEFAULT_DEBOUNCE_MS = 30;

/** `LOCAL_HOT_RELOAD=on` (`npm start` sets it) reloads the project in the working folder; `off` or unset does not. */
export function hotReloadFromEnv(
  env: NodeJS.ProcessEnv,
  cwd: string = process.cwd(),
): HotReloadOptions | undefined {
  const value = env.LOCAL_HOT_RELOAD?.trim().toLowerCase();
  if (value === undefined || ['', 'off', 'false', '0'].includes(value)) return undefined;
  if (['on', 'true', '1'].includes(value)) return { projectRoot: cwd };
  throw new Error(`LOCAL_HOT_RELOAD must be "on" or "off", got "${env.LOCAL_HOT_RELOAD}"`);
}

// CDK's logical ids end in an 8-character hash; the reload line reads better without it.
function displayName(logicalId: string): string {
  return logicalId.replace(/(?<=.)[0-9A-F]{8}$/, '');
}

/** Starts watching at once; the map of which function bundles which file is built in the background. */
export function startHotReload(options: StartHotReloadOptions): HotReload {
  const { lambda, log, stack } = options;
  const projectRoot = path.resolve(options.projectRoot);
  const outRoot = path.join(path.resolve(options.stateDir), 'reload');
  const map = createInputMap();
  let rebundler: Rebundler | undefined;
  let pending = new Set<string>();
  let pendingSince = Number.POSITIVE_INFINITY;
  let draining: Promise<void> | undefined;
  let closed = false;
  // The reloaded code each function runs, and how many functions run or retire from each folder.
  const current = new Map<string, string>();
  const users = new Map<string, number>();

  const watcher = watchSources({
    root: projectRoot,
    folders: [...FOLDERS.reload, ...FOLDERS.restart],
    debounceMs: options.debounceMs ?? DEFAULT_DEBOUNCE_MS,
    onChanges(files, since) {
      for (const file of files) pending.add(file);
      pendingSince = Math.min(pendingSince, since);
      kick();
    },
    onError: (error) => log.error('hot reload: watching failed', { error: error.message }),
  });

  const ready = (async () => {
    // esbuild and the CDK bundling settings load here, off the start's path.
    const { collectLazyFiles, createRebundler } = await import('./rebundle.ts');
    await rm(outRoot, { recursive: true, force: true });
    const codeDirs: string[] = [];
    for (const fn of lambda.functions()) {
      const codeDir = stack.functionCode.get(fn.logicalId);
      const bundle = codeDir && (await readBundleInputs(codeDir, fn.handler, projectRoot));
      if (!codeDir || !bundle) continue;
      map.addFunction(bundle.entry, fn.logicalId);
      map.setInputs(bundle.entry, bundle.inputs);
      codeDirs.push(codeDir);
    }
    rebundler = createRebundler({ projectRoot, outRoot, lazyFiles: await collectLazyFiles(codeDirs) });
    const entries = map.entries();
    const functions = entries.flatMap((entry) => map.functionsOf(entry)).length;
    const folders = FOLDERS.reload.map((folder) => `${folder}/`).join(', ');
    log.info(`hot reload on: watching ${folders} for ${functions} function${functions === 1 ? '' : 's'}`);
    // Before any reload, not beside one: two builds at once would slow the first reload down.
    if (entries[0] !== undefined) await rebundler.warmUp(entries[0]);
  })();
  ready.catch((error: Error) => {
    log.error('hot reload is off: it could not start', { error: error.message });
    watcher.close();
  });

  function kick(): void {
    if (draining || closed) return;
    draining = drain().finally(() => {
      draining = undefined;
      if (pending.size > 0) kick();
    });
  }

  async function drain(): Promise<void> {
    // A hot reload that could not start said so once; the changes are dropped.
    const started = await ready.then(
      () => true,
      () => false,
    );
    if (!started) return;
    while (pending.size > 0 && !closed) {
      const files = [...pending].sort();
      const since = pendingSince;
      pending = new Set();
      pendingSince = Number.POSITIVE_INFINITY;
      try {
        await reload(files, since);
      } catch (error) {
        log.error('hot reload failed', { files: files.join(', '), error: (error as Error).message });
      }
    }
  }

  async function reload(files: string[], since: number): Promise<void> {
    const restart = files.filter((file) => classifyChange(file, FOLDERS) === 'restart');
    if (restart.length > 0) {
      log.warn('infra/ changed: restart npm start to apply it', { files: restart.join(', ') });
    }
    const sources = files.filter((file) => classifyChange(file, FOLDERS) === 'reload');
    if (sources.length === 0 || !rebundler) return;
    const changed = sources.join(', ');
    const entries = map.entriesOf(sources.map((file) => path.join(projectRoot, file)));
    if (entries.length === 0) {
      log.info(`hot reload: ${changed} changed; no function's bundle includes it`);
      return;
    }
    const outcome = await rebundler.rebundle(entries);
    if (!outcome.ok) {
      log.error(`hot reload failed: ${changed}; the functions keep their old code\n${outcome.errors}`);
      return;
    }
    if (outcome.warnings) log.warn(`hot reload: ${changed}\n${outcome.warnings}`);
    const reloaded: string[] = [];
    for (const bundle of outcome.bundles) {
      map.setInputs(
        bundle.entry,
        bundle.inputs.filter((input) => isProjectSource(input, projectRoot)),
      );
      for (const logicalId of map.functionsOf(bundle.entry)) {
        swap(logicalId, bundle.codeDir);
        reloaded.push(displayName(logicalId));
      }
    }
    const seconds = ((performance.now() - since) / 1000).toFixed(2);
    log.info(`hot reload: ${changed} → ${reloaded.sort().join(', ')} in ${seconds} s`);
  }

  function swap(logicalId: string, codeDir: string): void {
    const previous = current.get(logicalId);
    current.set(logicalId, codeDir);
    users.set(codeDir, (users.get(codeDir) ?? 0) + 1);
    const retired = lambda.replaceCode(logicalId, codeDir);
    // The synthesized code stays as it is; a reloaded folder goes once no environment runs it.
    if (previous !== undefined) {
      retired
        .then(() => discard(previous))
        .catch((error: Error) =>
          log.warn('hot reload: an old bundle was not removed', { error: error.message }),
        );
    }
  }

  async function discard(codeDir: string): Promise<void> {
    const left = (users.get(codeDir) ?? 1) - 1;
    if (left > 0) {
      users.set(codeDir, left);
      return;
    }
    users.delete(codeDir);
    await rm(codeDir, { recursive: true, force: true });
    // The reload's folder, once none of its bundles is left.
    await rmdir(path.dirname(codeDir)).catch(() => {});
  }

  return {
    ready,
    async close() {
      closed = true;
      watcher.close();
      await draining;
      await ready.catch(() => {});
      await rebundler?.dispose();
    },
  };
}
