// What each function of the prod stack costs at its cold start in module init: a fresh `node` process
// that imports the function's bundle, as `cdk synth -c stage=prod` builds it, with the environment
// Lambda gives that function, against a bare `node -e 0` in the same run;
// and the size of each bundle against the target of infra/report-bundle-sizes.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUNDLE_FILE, lazyFile } from '../infra/constructs/bundling.ts';
import { functionEnvironment } from '../infra/local/lambda/function-env.ts';
import { describeSynthesis, ensureSynthesized, runCdkSynth } from '../infra/local/synth/cache.ts';
import { loadStack, resourcesOfType } from '../infra/local/template/load-stack.ts';
import { type BundleSize, measureBundles, TARGET_BUNDLE_BYTES } from '../infra/report-bundle-sizes.ts';
import type { BenchmarkFamily } from './family.ts';
import type { BenchmarkDefinition, BenchmarkResult, Case } from './harness.ts';
import { formatDuration, formatRatio, quantile } from './harness.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// Its own assembly, apart from `npm start`'s and the tests' (both dev): synthesized only when the app changed.
const ASSEMBLY = path.join(ROOT, 'node_modules', '.cache', 'drone-delivery', 'bench-prod.out');
const CONTEXT = { stage: 'prod', notificationFromAddress: 'bench@example.com' };
/** The start of the largest bundle should cost at most this many bare starts. */
export const START_GOAL = 1.5;
// The file the tracer is loaded from on the first invocation where tracing is on (shared/observability.ts).
const TRACER_FILE = lazyFile('@aws-lambda-powertools/tracer');

// The subject's process: imports the bundle as the runtime does and fails unless it exports its handler;
// with a second argument it also loads the tracer and creates it, as the first traced invocation does.
const IMPORT_BUNDLE = [
  'const bundle = await import(process.argv[1]);',
  "if (typeof bundle.handler !== 'function') throw new Error('the bundle exports no handler');",
  'if (process.argv[2]) new (await import(process.argv[2])).Tracer();',
].join(' ');

const BUNDLE_START_DESCRIPTION =
  'a fresh `node` importing a function bundle of the prod stack with its Lambda environment (module init included) vs a bare `node -e 0`';

/** One function's bundle, and how Lambda starts it. */
export interface FunctionBundle {
  /** The function's construct path without the stack and `Resource`, e.g. `Scheduler/Workflow`. */
  label: string;
  codeDir: string;
  size: BundleSize;
  env: Record<string, string>;
}

function shortLabel(constructPath: string): string {
  return constructPath.split('/').slice(1, -1).join('/');
}

/** The bundled functions of a synthesized stack, largest bundle first, each with its Lambda environment. */
export async function functionBundles(cloudAssemblyDir: string, stateDir: string): Promise<FunctionBundle[]> {
  const sizes = new Map(measureBundles(cloudAssemblyDir).map((size) => [path.resolve(size.assetDir), size]));
  const stack = await loadStack(cloudAssemblyDir, {
    edgeUrl: 'http://127.0.0.1:9',
    apiBasePort: 9,
    stateDir,
  });
  return resourcesOfType(stack, 'AWS::Lambda::Function')
    .flatMap((resource) => {
      const codeDir = stack.functionCode.get(resource.logicalId);
      const size = codeDir === undefined ? undefined : sizes.get(path.resolve(codeDir));
      if (codeDir === undefined || size === undefined || !existsSync(path.join(codeDir, BUNDLE_FILE)))
        return [];
      const properties = resource.properties as {
        Handler?: string;
        Runtime?: string;
        MemorySize?: number;
        Environment?: { Variables?: Record<string, string> };
      };
      const env = functionEnvironment({
        variables: properties.Environment?.Variables ?? {},
        name: resource.physicalName,
        handler: properties.Handler ?? 'index.handler',
        runtime: properties.Runtime ?? 'nodejs24.x',
        memoryMb: properties.MemorySize ?? 128,
        codeDir,
        region: stack.region,
        credentials: { accessKeyId: 'BENCHACCESSKEY', secretAccessKey: 'bench-secret' },
        edgeUrl: 'http://127.0.0.1:9',
      });
      return [{ label: shortLabel(size.constructPath), codeDir, size, env }];
    })
    .sort((a, b) => b.size.codeBytes - a.size.codeBytes);
}

// Every process reports the CPU time it used as it exits (a preload, for subject and baseline alike):
// unlike the wall time, it does not grow with what other processes of a busy machine take.
const CPU_REPORTER =
  "process.on('exit', () => process.stdout.write('\\ncpu:' + JSON.stringify(process.cpuUsage())));";

/** CPU milliseconds of every start of one case, as the processes reported them. */
type CpuSamples = number[];

function reportedCpuMs(stdout: string): number {
  const report = /\ncpu:(\{.*\})$/.exec(stdout)?.[1];
  if (report === undefined) throw new Error('the process did not report its CPU time');
  const { user, system } = JSON.parse(report) as { user: number; system: number };
  return (user + system) / 1000;
}

// A case that starts a fresh `node` process, fails the run if the process fails and keeps its CPU time.
function processCase(
  label: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
  reporter: string,
  cpu: CpuSamples,
): Case {
  return {
    label,
    run: () => {
      const child = spawnSync(process.execPath, ['-r', reporter, ...args], {
        env,
        cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      if (child.status !== 0) {
        throw new Error(`${label} exited with ${child.status ?? child.signal}: ${child.stderr.toString()}`);
      }
      cpu.push(reportedCpuMs(child.stdout.toString()));
      return child.status;
    },
  };
}

const withTracerLabel = (fn: FunctionBundle) => `${fn.label} + tracer (1st traced invocation)`;

/** A start's CPU samples, subject's and baseline's, by the subject's label. */
type CpuByLabel = Map<string, { subject: CpuSamples; baseline: CpuSamples }>;

function startDefinition(
  fn: FunctionBundle,
  withTracer: boolean,
  reporter: string,
  cpu: CpuByLabel,
): BenchmarkDefinition {
  const args = [
    '--input-type=module',
    '-e',
    IMPORT_BUNDLE,
    pathToFileURL(path.join(fn.codeDir, BUNDLE_FILE)).href,
  ];
  if (withTracer) args.push(pathToFileURL(path.join(fn.codeDir, TRACER_FILE)).href);
  const label = withTracer ? withTracerLabel(fn) : fn.label;
  const samples: { subject: CpuSamples; baseline: CpuSamples } = { subject: [], baseline: [] };
  cpu.set(label, samples);
  return {
    name: 'bundle-start',
    description: BUNDLE_START_DESCRIPTION,
    mode: 'sync',
    async prepare() {
      const subject = processCase(label, args, fn.env, fn.codeDir, reporter, samples.subject);
      const bare = { PATH: process.env.PATH ?? '' };
      const baseline = processCase('node -e 0', ['-e', '0'], bare, fn.codeDir, reporter, samples.baseline);
      return {
        subject,
        baseline,
        // Each must start and exit cleanly (the bundle's handler exported) before anything is timed.
        async verify() {
          subject.run();
          baseline.run();
        },
        async dispose() {},
      };
    },
  };
}

function median(values: readonly number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/** Median CPU time of the subject's starts over the baseline's. */
function cpuRatio(cpu: CpuByLabel, label: string): number {
  const samples = cpu.get(label);
  return samples === undefined ? Number.NaN : median(samples.subject) / median(samples.baseline);
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** The family's section of the report: sizes against the target, starts against the goal. */
export function startSummary(
  functions: readonly FunctionBundle[],
  results: readonly BenchmarkResult[],
  cpu: CpuByLabel,
): string {
  const byLabel = new Map(results.map((result) => [result.subject.label, result]));
  const largest = functions[0];
  const largestStart = largest === undefined ? undefined : byLabel.get(largest.label);
  const withTracer = largest === undefined ? undefined : byLabel.get(withTracerLabel(largest));
  const over = functions.filter((fn) => fn.size.codeBytes > TARGET_BUNDLE_BYTES);
  const rows = functions.map((fn) => {
    const start = byLabel.get(fn.label);
    return [
      fn.label,
      kib(fn.size.codeBytes),
      `${((100 * fn.size.codeBytes) / TARGET_BUNDLE_BYTES).toFixed(0)} %`,
      kib(fn.size.lazyBytes),
      start ? formatDuration(start.subject.medianNs) : 'n/a',
      start ? formatRatio(start.ratio) : 'n/a',
      start ? formatRatio(start.roundRatio) : 'n/a',
      formatRatio(cpuRatio(cpu, fn.label)),
    ];
  });
  const header = [
    'Function',
    'Bundle',
    `of ${kib(TARGET_BUNDLE_BYTES)}`,
    'Lazy',
    'Start median',
    'Ratio (medians)',
    'Ratio (per round)',
    'CPU ratio (medians)',
  ];
  const lines = [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`);
  return [
    '## Bundle start and size (prod stack)',
    '',
    largest && largestStart
      ? `Largest bundle: **${largest.label}**, ${kib(largest.size.codeBytes)}, starts in ${formatRatio(largestStart.ratio)} the time of \`node -e 0\` (goal ≤ ${formatRatio(START_GOAL)}), with ${formatRatio(cpuRatio(cpu, largest.label))} its CPU time.`
      : 'No bundle was measured.',
    ...(withTracer
      ? [
          `Where tracing is on, its first invocation also loads the tracer: start and tracer ${formatRatio(withTracer.ratio)} the time of \`node -e 0\`, ${formatRatio(cpuRatio(cpu, withTracer.subject.label))} its CPU time.`,
        ]
      : []),
    `${over.length} of ${functions.length} bundles over the target of ${kib(TARGET_BUNDLE_BYTES)}${over.length > 0 ? `: ${over.map((fn) => fn.label).join(', ')}` : ''}.`,
    '',
    ...lines,
    '',
  ].join('\n');
}

export const bundleStart: BenchmarkFamily = {
  name: 'bundle-start',
  description: BUNDLE_START_DESCRIPTION,
  // A start takes about a tenth of a second: every sample is one start, seven rounds per function.
  settings: { warmupMs: 0, minSampleUs: 50, budgetMs: 60_000, maxRounds: 7 },
  async expand() {
    const synthesis = await ensureSynthesized({
      root: ROOT,
      outdir: ASSEMBLY,
      context: CONTEXT,
      synthesize: (request) => runCdkSynth({ ...request, output: 'capture' }),
      log: (line) => console.error(`  ${line}`),
    });
    console.error(`  prod stack ${describeSynthesis(synthesis)}`);
    // Inline (`ZipFile`) code of the stack, if any, goes here rather than into the working folder.
    const stateDir = mkdtempSync(path.join(tmpdir(), 'bench-bundles-'));
    const reporter = path.join(stateDir, 'report-cpu.cjs');
    writeFileSync(reporter, CPU_REPORTER);
    const functions = await functionBundles(synthesis.outdir, stateDir);
    const largest = functions[0];
    const cpu: CpuByLabel = new Map();
    const definitions = functions.map((fn) => startDefinition(fn, false, reporter, cpu));
    // Where the tracer went: the largest function's start plus what its first traced invocation loads.
    if (largest && existsSync(path.join(largest.codeDir, TRACER_FILE))) {
      definitions.splice(1, 0, startDefinition(largest, true, reporter, cpu));
    }
    return {
      definitions,
      summary: (results) => startSummary(functions, results, cpu),
      async dispose() {
        rmSync(stateDir, { recursive: true, force: true });
      },
    };
  },
};
