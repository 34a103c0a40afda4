// `npm start`'s two steps as the cloud-start benchmark runs them, each in a process group of its own
// (process-group.ts): the synthesis step (synthesized or skipped as the case expects), then the local
// cloud's CLI until its ready line, and its stop on SIGINT as Ctrl-C gives it.
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort, freePortRange } from '../infra/local/ports.ts';
import type { SynthesisOutcome } from '../infra/local/synth/cache.ts';
import { isReadyLine } from '../infra/local/synth/start-report.ts';
import { assemblyHttpApiCount } from '../infra/local/template/load-stack.ts';
import { awaitGroupGone, type Child, killGroup, spawnGroup } from './process-group.ts';

/** The repository's root folder. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** What `npm start` synthesizes: the dev stage, the drone simulator in. */
export const CONTEXT: Readonly<Record<string, string>> = { stage: 'dev' };

/** A cold synthesis on a busy machine takes a minute or two; beyond this the start is broken. */
const READY_TIMEOUT_MS = 5 * 60_000;
/** The CLI stops every part, DynamoDB Local last, within seconds. */
const EXIT_TIMEOUT_MS = 30_000;

// scripts/start.ts's first step, in a process of its own as `npm start` runs it: the outcome on stdout.
const SYNTHESIZE = [
  'const [module, root, outdir, context] = process.argv.slice(1);',
  'const { ensureSynthesized, runCdkSynth } = await import(module);',
  'const outcome = await ensureSynthesized({ root, outdir, context: JSON.parse(context),',
  "  synthesize: (request) => runCdkSynth({ ...request, output: 'capture' }) });",
  'process.stdout.write(JSON.stringify(outcome));',
].join('\n');
const cacheModule = (root: string) =>
  pathToFileURL(path.join(root, 'infra', 'local', 'synth', 'cache.ts')).href;

// What is built or kept by runs, not part of the app's sources.
const NOT_COPIED = new Set(['node_modules', '.git', 'cdk.out', '.local', 'coverage']);

/**
 * The working tree as it is when the run begins, with the project's node_modules linked in: every
 * start runs from it. Others may edit the working tree meanwhile, which would make a warm start
 * synthesize again and the starts of one run measure different apps.
 */
export async function copyWorkingTree(): Promise<string> {
  const copy = await mkdtemp(path.join(tmpdir(), 'bench-cloud-start-tree-'));
  try {
    await cp(ROOT, copy, {
      recursive: true,
      filter: (source) => !NOT_COPIED.has(path.relative(ROOT, source)),
    });
    await symlink(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
    return copy;
  } catch (error) {
    await rm(copy, { recursive: true, force: true });
    throw error;
  }
}

/** How long one start took, and where the time went. */
export interface StartSample {
  totalMs: number;
  /** The first step: a fresh process that checks the key and synthesizes when it is due. */
  synthesisMs: number;
  /** The local cloud's CLI, from its spawn to its ready line. */
  cloudMs: number;
  /** The 1-minute load average when the start began. */
  load: number;
}

/** Kills a start that failed, with everything it started, then throws `message`. */
async function abandon(child: Child, message: string): Promise<never> {
  killGroup(child);
  await child.closed;
  await awaitGroupGone(child, 'an abandoned start', EXIT_TIMEOUT_MS);
  throw new Error(`${message}\n${child.output()}`);
}

/** What `npm start` would do after ensureSynthesized: synthesize, or skip, into `outdir`. */
async function synthesizeInChild(root: string, outdir: string, deadline: number): Promise<SynthesisOutcome> {
  const child = spawnGroup(
    root,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      SYNTHESIZE,
      cacheModule(root),
      root,
      outdir,
      JSON.stringify(CONTEXT),
    ],
    process.env,
  );
  let stdout = '';
  child.process.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const timeout = new AbortController();
  const ended = await Promise.race([
    child.closed,
    sleep(Math.max(0, deadline - performance.now()), 'timeout' as const, { signal: timeout.signal }).catch(
      () => 'aborted' as const,
    ),
  ]);
  timeout.abort();
  if (ended === 'timeout')
    return abandon(child, `the synthesis into ${outdir} took over ${READY_TIMEOUT_MS / 1000} s`);
  if (typeof ended === 'object' && ended.code !== 0) {
    return abandon(child, `the synthesis into ${outdir} failed (${ended.code ?? ended.signal})`);
  }
  return JSON.parse(stdout) as SynthesisOutcome;
}

/** The ports a start serves on: the edge's and the first HTTP API's (the others follow). */
export interface Ports {
  edge: number;
  apiBase: number;
}

export async function freePorts(outdir: string): Promise<Ports> {
  // Each HTTP API takes the next port of the range.
  const apis = Math.max(1, await assemblyHttpApiCount(outdir));
  return { edge: await freePort(), apiBase: await freePortRange(apis) };
}

/** The environment scripts/start.ts gives the CLI, on the bench's own state folder and ports. */
function cloudEnvironment(stateDir: string, ports: Ports): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOCAL_STATE_DIR: stateDir,
    LOCAL_EDGE_PORT: String(ports.edge),
    LOCAL_API_PORT: String(ports.apiBase),
    LOCAL_HOT_RELOAD: 'on',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  // A plain start: faults set for a developer's own cloud are not part of what is measured.
  delete env.LOCAL_FAULTS;
  delete env.LOCAL_SQS_DUPLICATE_RATE;
  return env;
}

/** The local cloud's CLI, started as scripts/start.ts starts it, once it printed its ready line. */
async function startCloud(
  root: string,
  outdir: string,
  stateDir: string,
  ports: Ports,
  deadline: number,
): Promise<Child> {
  let ready = false;
  const child = spawnGroup(
    root,
    [
      '--import',
      'tsx',
      'infra/local/cli/start.ts',
      '--app',
      outdir,
      '--console-app',
      'console',
      '--fixtures',
      'events/fixtures',
      '--fixture-loader',
      'events/fixtures.ts',
    ],
    cloudEnvironment(stateDir, ports),
  );
  const readyLine = new Promise<'ready'>((resolve) =>
    createInterface({ input: child.process.stdout }).on('line', (line) => {
      if (ready || !isReadyLine(line)) return;
      ready = true;
      resolve('ready');
    }),
  );
  const timeout = new AbortController();
  const ended = await Promise.race([
    readyLine,
    child.closed,
    sleep(Math.max(0, deadline - performance.now()), 'timeout' as const, { signal: timeout.signal }).catch(
      () => 'aborted' as const,
    ),
  ]);
  timeout.abort();
  if (ended === 'timeout') return abandon(child, `no ready line within ${READY_TIMEOUT_MS / 1000} s`);
  if (ended !== 'ready') return abandon(child, 'the local cloud exited before it was ready');
  return child;
}

/** Stops a started cloud as Ctrl-C on `npm start` does (SIGINT, which scripts/start.ts forwards to the CLI). */
export async function stopCloud(child: Child): Promise<void> {
  child.process.kill('SIGINT');
  const timeout = new AbortController();
  const exit = await Promise.race([
    child.closed,
    sleep(EXIT_TIMEOUT_MS, undefined, { signal: timeout.signal }).catch(() => undefined),
  ]);
  timeout.abort();
  if (exit === undefined)
    return abandon(child, `the local cloud did not stop within ${EXIT_TIMEOUT_MS / 1000} s`);
  // Its DynamoDB Local (and anything else it started) must be gone before the next start.
  await awaitGroupGone(child, 'the local cloud', EXIT_TIMEOUT_MS);
  if (exit.code !== 0) {
    throw new Error(`the local cloud exited with ${exit.code ?? exit.signal} on SIGINT:\n${child.output()}`);
  }
}

/**
 * One `npm start` until ready: the synthesis step, checked to have synthesized or skipped as the case
 * says, then the CLI until its ready line. The cloud is left running.
 */
export async function startLikeNpmStart(
  root: string,
  outdir: string,
  stateDir: string,
  ports: Ports | undefined,
  expected: 'synthesized' | 'skipped' | 'either',
): Promise<{ cloud: Child; sample: StartSample; synthesis: SynthesisOutcome }> {
  const load = loadavg()[0] ?? Number.NaN;
  const started = performance.now();
  const deadline = started + READY_TIMEOUT_MS;
  const synthesis = await synthesizeInChild(root, outdir, deadline);
  if (expected !== 'either' && synthesis.synthesized !== (expected === 'synthesized')) {
    throw new Error(
      expected === 'skipped'
        ? `a warm start synthesized (${synthesis.reason}) although the copy of the working tree it runs from did not change`
        : `a cold start skipped its synthesis (${synthesis.reason}) in ${outdir}`,
    );
  }
  const synthesized = performance.now();
  const cloud = await startCloud(root, outdir, stateDir, ports ?? (await freePorts(outdir)), deadline);
  const ready = performance.now();
  return {
    cloud,
    synthesis,
    sample: {
      totalMs: ready - started,
      synthesisMs: synthesized - started,
      cloudMs: ready - synthesized,
      load,
    },
  };
}
