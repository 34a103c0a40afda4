// `npm run bench [-- <name>...]`: runs the benchmarks (all, or those named), each subject beside its
// baseline in the same run, prints a Markdown table of medians and ratios and writes it to
// bench/results/latest.md, with the raw figures in bench/results/latest.json. A family of benchmarks
// (one per function bundle, say) adds its rows to the table and a section of its own below it.
import '../infra/local/quiet-sdk-notice.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { apiRead } from './api-read.bench.ts';
import { bundleStart } from './bundle-start.bench.ts';
import { cloudStart } from './cloud-start.bench.ts';
import { eventRouting } from './event-routing.bench.ts';
import type { BenchmarkFamily } from './family.ts';
import {
  type BenchmarkDefinition,
  type BenchmarkResult,
  formatDuration,
  formatRatio,
  type MeasureSettings,
  measure,
} from './harness.ts';
import { lambdaInvoke } from './lambda-invoke.bench.ts';
import { patternMatching } from './pattern-matching.bench.ts';

const BENCHMARKS: readonly BenchmarkDefinition[] = [lambdaInvoke, eventRouting, patternMatching];
const FAMILIES: readonly BenchmarkFamily[] = [bundleStart, apiRead, cloudStart];

// Three benchmarks at about 1 s of warm-up and 14 s of rounds each keep a full run under a minute.
const SETTINGS: MeasureSettings = { warmupMs: 1_000, minSampleUs: 50, budgetMs: 14_000, maxRounds: 200_000 };

function machine() {
  const cpu = cpus()[0];
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpu?.model.trim() ?? 'unknown',
    cores: cpus().length,
  };
}

function table(results: readonly BenchmarkResult[]): string {
  const header = [
    'Benchmark',
    'Subject',
    'median',
    'p90',
    'Baseline',
    'median',
    'p90',
    'Ratio (medians)',
    'Ratio (per round)',
    'Rounds',
  ];
  const rows = results.map((r) => [
    r.name,
    r.subject.label,
    formatDuration(r.subject.medianNs),
    formatDuration(r.subject.p90Ns),
    r.baseline.label,
    formatDuration(r.baseline.medianNs),
    formatDuration(r.baseline.p90Ns),
    formatRatio(r.ratio),
    formatRatio(r.roundRatio),
    String(r.rounds),
  ]);
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function report(
  results: readonly BenchmarkResult[],
  sections: readonly string[],
  info: ReturnType<typeof machine>,
  date: string,
): string {
  const described = new Map(results.map((r) => [r.name, r]));
  return [
    '# Benchmark results',
    '',
    `${date} · Node.js ${info.node} · ${info.platform} · ${info.cores} × ${info.cpu}`,
    '',
    'Times are per operation; ratios are subject / baseline (higher = the subject costs more).',
    '',
    table(results),
    '',
    ...[...described.values()].map(
      (r) =>
        `- **${r.name}**: ${r.description} (samples of ${r.subject.batch} / ${r.baseline.batch} operations).`,
    ),
    '',
    ...sections,
  ].join('\n');
}

async function run(definition: BenchmarkDefinition, settings: MeasureSettings, name: string) {
  const result = await measure(definition, settings);
  console.error(
    `  ${name} ${result.subject.label}: ${formatDuration(result.subject.medianNs)} vs ${formatDuration(result.baseline.medianNs)} (${formatRatio(result.ratio)}, ${result.rounds} rounds, ${(result.elapsedMs / 1000).toFixed(1)} s)`,
  );
  return result;
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const known = [...BENCHMARKS, ...FAMILIES].map((b) => b.name);
  const unknown = wanted.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Known: ${known.join(', ')}`);
    process.exitCode = 2;
    return;
  }
  const chosen = <T extends { name: string }>(all: readonly T[]) =>
    wanted.length === 0 ? all : all.filter((b) => wanted.includes(b.name));
  const results: BenchmarkResult[] = [];
  const sections: string[] = [];
  for (const definition of chosen(BENCHMARKS)) {
    console.error(`running ${definition.name} ...`);
    results.push(await run(definition, SETTINGS, definition.name));
  }
  for (const family of chosen(FAMILIES)) {
    console.error(`running ${family.name} ...`);
    const expanded = await family.expand();
    try {
      const members: BenchmarkResult[] = [];
      for (const definition of expanded.definitions) {
        members.push(await run(definition, family.settings, family.name));
      }
      results.push(...members);
      sections.push(expanded.summary(members));
    } finally {
      await expanded.dispose();
    }
  }
  const info = machine();
  const date = new Date().toISOString();
  const familySettings = Object.fromEntries(chosen(FAMILIES).map((family) => [family.name, family.settings]));
  const markdown = report(results, sections, info, date);
  const resultsDir = new URL('./results/', import.meta.url);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(new URL('latest.md', resultsDir), markdown);
  writeFileSync(
    new URL('latest.json', resultsDir),
    `${JSON.stringify({ date, machine: info, settings: SETTINGS, familySettings, results }, null, 2)}\n`,
  );
  console.log(markdown);
}

await main();
