// `npm run chaos [-- --deliveries N --concurrency C --seed S --duplicate-rate R --reuse-synth]`: the full chaos run
// (docs/resilience.md). Prints the report, writes it to bench/results/chaos-<date>.md and
// bench/results/chaos-latest.json, and exits 1 if any invariant fails.
import '../infra/local/quiet-sdk-notice.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatReport } from '../test/chaos/report.ts';
import { runChaos } from '../test/chaos/run-chaos.ts';

const { values } = parseArgs({
  options: {
    deliveries: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '12' },
    seed: { type: 'string', default: '7' },
    // The share of SQS records delivered twice, on every queue, while the load runs.
    'duplicate-rate': { type: 'string', default: '0.2' },
    'reuse-synth': { type: 'boolean', default: false },
    'keep-state': { type: 'boolean', default: false },
  },
});

function positiveInteger(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`--${name} must be a positive integer, not ${text}`);
    process.exit(2);
  }
  return value;
}

function rate(name: string, text: string | undefined): number {
  const value = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    console.error(`--${name} must be a number from 0 to 1, not ${text}`);
    process.exit(2);
  }
  return value;
}

const deliveries = positiveInteger('deliveries', values.deliveries);
const report = await runChaos({
  deliveries,
  concurrency: positiveInteger('concurrency', values.concurrency),
  seed: positiveInteger('seed', values.seed),
  duplicateDeliveryRate: rate('duplicate-rate', values['duplicate-rate']),
  // A longer outage than the test's: requests that were in it exhaust their receives and reach the supervisor.
  outageMs: 40_000,
  outageStartMs: 15_000,
  reuseSynth: values['reuse-synth'],
  keepState: values['keep-state'],
  progress: (line) => console.error(`${new Date().toISOString().slice(11, 19)} ${line}`),
});

const text = formatReport(report);
console.log(text);
const results = path.resolve(import.meta.dirname, '..', 'bench', 'results');
await mkdir(results, { recursive: true });
await writeFile(path.join(results, `chaos-${report.startedAt.slice(0, 10)}.md`), text);
await writeFile(path.join(results, 'chaos-latest.json'), `${JSON.stringify(report, null, 2)}\n`);
process.exit(report.invariants.every((invariant) => invariant.holds) ? 0 : 1);
