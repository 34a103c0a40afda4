// Measures a subject against its baseline in the same run: both are warmed up, then sampled in
// alternating order round after round, so that drift on a shared, noisy machine (other processes,
// frequency scaling, GC pressure) falls on both sides alike. Results are medians, never means.

/** One side of a benchmark: an operation to repeat. Async benchmarks' operations return promises. */
export interface Case {
  label: string;
  run: () => unknown;
  /**
   * Runs after each operation, outside the timed stretch (async benchmarks): undoes what the operation
   * started (stops a process it started, say), so that a sample ends when the operation's result is there.
   */
  after?: () => Promise<void>;
}

/** A benchmark's subject and baseline, ready to run, with what they need to be checked and torn down. */
export interface PreparedBenchmark {
  subject: Case;
  baseline: Case;
  /** Throws unless subject and baseline do the same work; runs before warm-up (and may warm caches). */
  verify(): Promise<void>;
  dispose(): Promise<void>;
}

/** What a benchmark module exports. */
export interface BenchmarkDefinition {
  name: string;
  /** One sentence: what the subject costs compared to what. */
  description: string;
  /** `async` awaits each operation; `sync` calls it in a tight loop (no microtask per call). */
  mode: 'sync' | 'async';
  prepare(): Promise<PreparedBenchmark>;
}

export interface MeasureSettings {
  /** Alternating warm-up before calibration, so both sides are optimised by the JIT. */
  warmupMs: number;
  /** A sample repeats the operation until it lasts at least this long, so the timer's cost vanishes. */
  minSampleUs: number;
  /** Measurement stops after this long or after `maxRounds`, whichever comes first. */
  budgetMs: number;
  maxRounds: number;
}

export interface CaseStats {
  label: string;
  /** Operations per sample: 1 means every sample is one operation. */
  batch: number;
  samples: number;
  medianNs: number;
  p90Ns: number;
  minNs: number;
}

export interface BenchmarkResult {
  name: string;
  description: string;
  subject: CaseStats;
  baseline: CaseStats;
  /** Median of the subject over median of the baseline. */
  ratio: number;
  /** Median of the per-round ratios (subject sample over the baseline sample of the same round). */
  roundRatio: number;
  rounds: number;
  elapsedMs: number;
}

// Written on every operation so the JIT cannot drop calls whose results are never read.
const blackhole: { last: unknown } = { last: undefined };

function now(): bigint {
  return process.hrtime.bigint();
}

// Runs `count` operations and returns how long they took in nanoseconds, `after` excluded.
async function timeBatch(mode: BenchmarkDefinition['mode'], side: Case, count: number): Promise<number> {
  const { run, after } = side;
  if (mode === 'sync') {
    const start = now();
    for (let i = 0; i < count; i++) blackhole.last = run();
    return Number(now() - start);
  }
  if (after === undefined) {
    const start = now();
    for (let i = 0; i < count; i++) blackhole.last = await run();
    return Number(now() - start);
  }
  let elapsed = 0;
  for (let i = 0; i < count; i++) {
    const start = now();
    blackhole.last = await run();
    elapsed += Number(now() - start);
    await after();
  }
  return elapsed;
}

// The number of operations per sample that makes a sample last at least `minSampleNs`.
async function calibrate(mode: BenchmarkDefinition['mode'], side: Case, minSampleNs: number) {
  let count = 1;
  for (;;) {
    const elapsed = await timeBatch(mode, side, count);
    if (elapsed >= minSampleNs) return Math.max(1, Math.ceil((count * minSampleNs) / Math.max(1, elapsed)));
    count *= elapsed <= 0 ? 16 : Math.min(16, Math.max(2, Math.ceil(minSampleNs / elapsed)));
  }
}

/** The q-quantile (0..1) of sorted values, interpolated between neighbours. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] ?? Number.NaN;
  const high = sorted[upper] ?? low;
  return low + (high - low) * (position - lower);
}

function summarise(label: string, batch: number, samples: number[]): CaseStats {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    label,
    batch,
    samples: sorted.length,
    medianNs: quantile(sorted, 0.5),
    p90Ns: quantile(sorted, 0.9),
    minNs: sorted[0] ?? Number.NaN,
  };
}

/** Prepares, verifies, warms up and measures one benchmark, then disposes of it. */
export async function measure(
  definition: BenchmarkDefinition,
  settings: MeasureSettings,
): Promise<BenchmarkResult> {
  const { mode } = definition;
  const prepared = await definition.prepare();
  const startedAt = performance.now();
  try {
    await prepared.verify();
    const { subject, baseline } = prepared;

    const warmupEnd = performance.now() + settings.warmupMs;
    while (performance.now() < warmupEnd) {
      await timeBatch(mode, subject, 16);
      await timeBatch(mode, baseline, 16);
    }

    const minSampleNs = settings.minSampleUs * 1000;
    const subjectBatch = await calibrate(mode, subject, minSampleNs);
    const baselineBatch = await calibrate(mode, baseline, minSampleNs);

    const subjectSamples: number[] = [];
    const baselineSamples: number[] = [];
    const roundRatios: number[] = [];
    const deadline = performance.now() + settings.budgetMs;
    let rounds = 0;
    while (rounds < settings.maxRounds && performance.now() < deadline) {
      // A B, then B A: whatever the first slot of a round gains or loses, both sides get it equally.
      let subjectNs: number;
      let baselineNs: number;
      if (rounds % 2 === 0) {
        subjectNs = (await timeBatch(mode, subject, subjectBatch)) / subjectBatch;
        baselineNs = (await timeBatch(mode, baseline, baselineBatch)) / baselineBatch;
      } else {
        baselineNs = (await timeBatch(mode, baseline, baselineBatch)) / baselineBatch;
        subjectNs = (await timeBatch(mode, subject, subjectBatch)) / subjectBatch;
      }
      subjectSamples.push(subjectNs);
      baselineSamples.push(baselineNs);
      roundRatios.push(subjectNs / baselineNs);
      rounds++;
    }

    const subjectStats = summarise(subject.label, subjectBatch, subjectSamples);
    const baselineStats = summarise(baseline.label, baselineBatch, baselineSamples);
    return {
      name: definition.name,
      description: definition.description,
      subject: subjectStats,
      baseline: baselineStats,
      ratio: subjectStats.medianNs / baselineStats.medianNs,
      roundRatio: quantile(
        roundRatios.sort((a, b) => a - b),
        0.5,
      ),
      rounds,
      elapsedMs: performance.now() - startedAt,
    };
  } finally {
    await prepared.dispose();
  }
}

/** A duration in nanoseconds with a readable unit. */
export function formatDuration(ns: number): string {
  if (!Number.isFinite(ns)) return 'n/a';
  if (ns < 1_000) return `${ns.toFixed(ns < 10 ? 2 : ns < 100 ? 1 : 0)} ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(ns < 10_000 ? 2 : 1)} µs`;
  return `${(ns / 1_000_000).toFixed(2)} ms`;
}

/** A ratio as `12.3×`. */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return 'n/a';
  return `${ratio.toFixed(ratio < 10 ? 2 : 1)}×`;
}
