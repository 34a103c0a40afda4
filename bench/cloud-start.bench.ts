import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDbLocal,
  localDynamoDbClient,
  startDynamoDbLocal,
} from '../infra/local/dynamodb/dynamodb-local.ts';
import { freePort, freePortRange } from '../infra/local/ports.ts';
import {
  describeSynthesis,
  ensureSynthesized,
  runCdkSynth,
  type SynthesisOutcome,
} from '../infra/local/synth/cache.ts';
import { isReadyLine } from '../infra/local/synth/start-report.ts';
import { assemblyHttpApiCount } from '../infra/local/template/load-stack.ts';
import type { BenchmarkFamily } from './family.ts';
import {
  type BenchmarkDefinition,
  type BenchmarkResult,
  type Case,
  type MeasureSettings,
  type PreparedBenchmark,
  quantile,
} from './harness.ts';
import { awaitGroupGone, type Child, killGroup, spawnGroup } from './process-group.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'drone-delivery');
// Apart from `npm start`'s cdk.out and the tests' assembly: the warm one is kept between runs (and
// synthesized again only when the app changed); each cold one is made afresh and removed after.
const WARM_ASSEMBLY = path.join(CACHE, 'bench-warm.out');
let coldStarts = 0;
const nextColdAssembly = () => path.join(CACHE, `bench-cold-${process.pid}-${++coldStarts}`);
/** What `npm start` synthesizes: the dev stage, the drone simulator in. */
const CONTEXT: Readonly<Record<string, string>> = { stage: 'dev' };

/** Rounds per case, one start per side each: a start takes seconds (a cold one tens), three give a median. */
const ROUNDS = 3;
const SETTINGS: MeasureSettings = { warmupMs: 0, minSampleUs: 50, budgetMs: 30 * 60_000, maxRounds: ROUNDS };

/** The goals of the issue that made starts fast (absolute), and what a start took before. */
const GOALS = {
  warm: { seconds: 15, before: '53–60 s' },
  cold: { seconds: 45, before: '55–65 s' },
} as const;

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
async function copyWorkingTree(): Promise<string> {
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
interface StartSample {
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
interface Ports {
  edge: number;
  apiBase: number;
}

async function freePorts(outdir: string): Promise<Ports> {
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
async function stopCloud(child: Child): Promise<void> {
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
async function startLikeNpmStart(
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

/** The tables DynamoDB Local lists: it answers, and serves the data of the folder it was given. */
async function listTables(db: DynamoDbLocal): Promise<string[]> {
  const client = localDynamoDbClient(db.endpoint);
  try {
    return (await client.send(new ListTablesCommand({}))).TableNames ?? [];
  } finally {
    client.destroy();
  }
}

type StartCase = 'warm' | 'cold';

/** Every start of the run, checks included, by case: where the time went. */
type StartSamples = Record<StartCase, StartSample[]>;

/** A subject that is a start left running until `after` stops it; `dispose` stops one a failure left. */
interface StartSide extends Case {
  after: () => Promise<void>;
  dispose(): Promise<void>;
}

function npmStartSide(
  label: string,
  start: () => Promise<{ cloud: Child; sample: StartSample }>,
  samples: StartSample[],
  cleanUp: () => Promise<void>,
): StartSide {
  let running: Child | undefined;
  const stop = async () => {
    const cloud = running;
    running = undefined;
    try {
      if (cloud) await stopCloud(cloud);
    } finally {
      await cleanUp();
    }
  };
  return {
    label,
    run: async () => {
      const { cloud, sample } = await start();
      running = cloud;
      samples.push(sample);
      return sample.totalMs;
    },
    after: stop,
    dispose: stop,
  };
}

function dynamoDbSide(label: string, stateDir: () => Promise<string>, cleanUp: () => Promise<void>) {
  let running: DynamoDbLocal | undefined;
  const stop = async () => {
    const db = running;
    running = undefined;
    try {
      await db?.stop();
    } finally {
      await cleanUp();
    }
  };
  return {
    label,
    run: async () => {
      running = await startDynamoDbLocal({ port: 0, stateDir: await stateDir() });
      return running.port;
    },
    after: stop,
    dispose: stop,
    /** The running DynamoDB Local's tables, for the checks. */
    tables: () =>
      running ? listTables(running) : Promise.reject(new Error('DynamoDB Local is not running')),
  };
}

const tempDir = (name: string) => mkdtemp(path.join(tmpdir(), `bench-cloud-start-${name}-`));

function warmMember(root: string, samples: StartSamples): BenchmarkDefinition {
  return {
    name: 'cloud-start-warm',
    description: `a second \`npm start\` (synthesis cached, the state folder of an earlier start kept) until the local cloud's ready line vs DynamoDB Local alone on the same state folder until it answers ListTables`,
    mode: 'async',
    async prepare(): Promise<PreparedBenchmark> {
      const synthesis = await ensureSynthesized({
        root,
        outdir: WARM_ASSEMBLY,
        context: CONTEXT,
        synthesize: (request) => runCdkSynth({ ...request, output: 'capture' }),
        log: (line) => console.error(`  ${line}`),
      });
      console.error(`  warm assembly ${describeSynthesis(synthesis)}`);
      const stateDir = await tempDir('warm');
      const removeState = () => rm(stateDir, { recursive: true, force: true });
      // The same ports every time, as a developer's second `npm start` uses the first one's.
      const ports = await freePorts(WARM_ASSEMBLY);
      const subject = npmStartSide(
        'npm start, warm',
        () => startLikeNpmStart(root, WARM_ASSEMBLY, stateDir, ports, 'skipped'),
        samples.warm,
        async () => {},
      );
      const baseline = dynamoDbSide(
        'DynamoDB Local alone (same state folder)',
        async () => stateDir,
        async () => {},
      );
      try {
        // The earlier start whose state folder the warm ones keep: it creates the tables and seeds the data.
        const earlier = await startLikeNpmStart(root, WARM_ASSEMBLY, stateDir, ports, 'either');
        await stopCloud(earlier.cloud);
      } catch (error) {
        await removeState();
        throw error;
      }
      return {
        subject,
        baseline,
        async verify() {
          const tables = await startEachOnce(subject, baseline);
          if (tables.length === 0)
            throw new Error('DynamoDB Local found none of the tables of the earlier start');
        },
        async dispose() {
          try {
            await subject.dispose();
            await baseline.dispose();
          } finally {
            await removeState();
          }
        },
      };
    },
  };
}

/** One start of each side before timing; the tables DynamoDB Local alone found, for the member's check. */
async function startEachOnce(
  subject: StartSide,
  baseline: StartSide & { tables(): Promise<string[]> },
): Promise<string[]> {
  await subject.run();
  await subject.after();
  await baseline.run();
  const tables = await baseline.tables();
  await baseline.after();
  return tables;
}

function coldMember(root: string, samples: StartSamples): BenchmarkDefinition {
  return {
    name: 'cloud-start-cold',
    description: `a first \`npm start\` (no earlier synthesis, a fresh state folder) until the local cloud's ready line vs DynamoDB Local alone on a fresh state folder until it answers ListTables`,
    mode: 'async',
    async prepare(): Promise<PreparedBenchmark> {
      // Each start's own folders, made afresh by `run` and removed by `after`.
      let subjectDirs: { outdir: string; stateDir: string } | undefined;
      let baselineDir: string | undefined;
      const subject = npmStartSide(
        'npm start, cold',
        async () => {
          subjectDirs = { outdir: nextColdAssembly(), stateDir: await tempDir('cold') };
          return startLikeNpmStart(root, subjectDirs.outdir, subjectDirs.stateDir, undefined, 'synthesized');
        },
        samples.cold,
        async () => {
          const dirs = subjectDirs;
          subjectDirs = undefined;
          if (!dirs) return;
          await rm(dirs.outdir, { recursive: true, force: true });
          await rm(dirs.stateDir, { recursive: true, force: true });
        },
      );
      const baseline = dynamoDbSide(
        'DynamoDB Local alone (fresh state folder)',
        async () => {
          baselineDir = await tempDir('cold-dynamodb');
          return baselineDir;
        },
        async () => {
          const dir = baselineDir;
          baselineDir = undefined;
          if (dir) await rm(dir, { recursive: true, force: true });
        },
      );
      return {
        subject,
        baseline,
        async verify() {
          const tables = await startEachOnce(subject, baseline);
          if (tables.length > 0)
            throw new Error(`a fresh DynamoDB Local listed tables: ${tables.join(', ')}`);
        },
        async dispose() {
          await subject.dispose();
          await baseline.dispose();
        },
      };
    },
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function median(values: readonly number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/** The family's section: absolute medians against the issue's goals and the earlier figures. */
function summary(results: readonly BenchmarkResult[], samples: StartSamples): string {
  const rows = (['warm', 'cold'] as const).flatMap((kind) => {
    const result = results.find((r) => r.name === `cloud-start-${kind}`);
    if (!result) return [];
    const subjectMs = result.subject.medianNs / 1e6;
    const goal = GOALS[kind];
    return [
      [
        kind,
        `${seconds(subjectMs)} (${seconds(result.subject.p90Ns / 1e6)})`,
        seconds(result.baseline.medianNs / 1e6),
        `≤ ${goal.seconds} s: ${subjectMs <= goal.seconds * 1000 ? 'met' : 'not met'}`,
        goal.before,
      ],
    ];
  });
  const header = ['Start', 'Median (p90)', 'DynamoDB Local alone, median', 'Goal', 'Before (issue 11)'];
  const table = [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`);
  const all = [...samples.warm, ...samples.cold];
  const loads = all.map((sample) => sample.load);
  const where = (kind: StartCase, step: string) => {
    const starts = samples[kind];
    if (starts.length === 0) return [];
    return [
      `- ${kind}: ${step} ${seconds(median(starts.map((s) => s.synthesisMs)))}, local cloud until ready ` +
        `${seconds(median(starts.map((s) => s.cloudMs)))} (medians of all ${starts.length} starts, checks included).`,
    ];
  };
  return [
    '## cloud-start: `npm start` until the local cloud is ready',
    '',
    `Wall time of each start, a fresh process each, on ports and folders of its own; 1-minute load average ${
      loads.length > 0 ? `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}` : 'n/a'
    } as the starts began.`,
    '',
    ...table,
    '',
    'Where the time went:',
    ...where('warm', 'key check (synthesis skipped)'),
    ...where('cold', 'synthesis'),
    '',
  ].join('\n');
}

export const cloudStart: BenchmarkFamily = {
  name: 'cloud-start',
  description:
    "`npm start` until the local cloud's ready line, warm and cold, vs DynamoDB Local alone until it answers ListTables",
  // A start takes seconds (a cold one, tens): every sample is one start, a few rounds per case.
  settings: SETTINGS,
  async expand() {
    const samples: StartSamples = { warm: [], cold: [] };
    const root = await copyWorkingTree();
    return {
      definitions: [warmMember(root, samples), coldMember(root, samples)],
      summary: (results) => summary(results, samples),
      async dispose() {
        await rm(root, { recursive: true, force: true });
      },
    };
  },
};
