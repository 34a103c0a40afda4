import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDbLocal,
  localDynamoDbClient,
  startDynamoDbLocal,
} from '../infra/local/dynamodb/dynamodb-local.ts';
import { describeSynthesis, ensureSynthesized, runCdkSynth } from '../infra/local/synth/cache.ts';
import type { BenchmarkFamily } from './family.ts';
import {
  type BenchmarkDefinition,
  type BenchmarkResult,
  type Case,
  type MeasureSettings,
  type PreparedBenchmark,
  quantile,
} from './harness.ts';
import {
  CONTEXT,
  copyWorkingTree,
  freePorts,
  ROOT,
  type StartSample,
  startLikeNpmStart,
  stopCloud,
} from './npm-start-steps.ts';
import type { Child } from './process-group.ts';

const CACHE = path.join(ROOT, 'node_modules', '.cache', 'drone-delivery');
// Apart from `npm start`'s cdk.out and the tests' assembly: the warm one is kept between runs (and
// synthesized again only when the app changed); each cold one is made afresh and removed after.
const WARM_ASSEMBLY = path.join(CACHE, 'bench-warm.out');
let coldStarts = 0;
const nextColdAssembly = () => path.join(CACHE, `bench-cold-${process.pid}-${++coldStarts}`);
/** Rounds per case, one start per side each: a start takes seconds (a cold one tens), three give a median. */
const ROUNDS = 3;
const SETTINGS: MeasureSettings = { warmupMs: 0, minSampleUs: 50, budgetMs: 30 * 60_000, maxRounds: ROUNDS };

/** The goals of the issue that made starts fast (absolute), and what a start took before. */
const GOALS = {
  warm: { seconds: 15, before: '53–60 s' },
  cold: { seconds: 45, before: '55–65 s' },
} as const;

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
