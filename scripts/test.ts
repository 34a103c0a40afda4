// `npm test`: type-check and lint, then every test project, overlapping what can overlap, and a
// closing table of where the time went. The unit, integration and end-to-end projects run in one
// Vitest run (coverage); the chaos run starts its own local cloud and spends most of its time
// waiting on its scenario (an outage, then the settling), so it runs beside them instead of after.
// Both take the test runs' one cached synthesis (test/support/local-cloud.ts).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'node_modules', '.bin');

interface Step {
  name: string;
  command: string;
  args: string[];
  /** Whether its output is shown as it comes; the others' is shown whole when they end. */
  live: boolean;
}

interface Outcome {
  name: string;
  code: number;
  seconds: number;
}

function run(step: Step): Promise<Outcome> {
  const started = performance.now();
  const child = spawn(path.join(BIN, step.command), step.args, {
    cwd: ROOT,
    stdio: step.live ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? (process.stdout.isTTY ? '1' : '0') },
  });
  const output: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
  return new Promise((resolve) => {
    child.once('error', (error) => {
      output.push(Buffer.from(`${step.name}: ${error.message}\n`));
    });
    child.once('close', (code, signal) => {
      if (!step.live) {
        process.stdout.write(`\n── ${step.name} ──\n`);
        process.stdout.write(Buffer.concat(output));
      }
      resolve({
        name: step.name,
        code: code ?? (signal ? 1 : 0),
        seconds: (performance.now() - started) / 1000,
      });
    });
  });
}

// Ctrl-C reaches the whole process group, so the steps stop with this script.
const outcomes: Outcome[] = [];
const checks = await Promise.all([
  run({ name: 'typecheck', command: 'tsc', args: ['-p', 'tsconfig.json'], live: false }),
  run({ name: 'lint', command: 'biome', args: ['check', '.'], live: false }),
]);
outcomes.push(...checks);
if (checks.every((outcome) => outcome.code === 0)) {
  outcomes.push(
    ...(await Promise.all([
      run({
        name: 'unit + integration + e2e (coverage)',
        command: 'vitest',
        args: ['run', '--coverage', '--project', 'unit', '--project', 'integration', '--project', 'e2e'],
        live: true,
      }),
      run({ name: 'chaos', command: 'vitest', args: ['run', '--project', 'chaos'], live: false }),
    ])),
  );
}

const total = performance.now() / 1000;
process.stdout.write('\n');
for (const outcome of outcomes) {
  process.stdout.write(
    `${outcome.code === 0 ? 'passed' : 'FAILED'}  ${outcome.seconds.toFixed(1).padStart(6)} s  ${outcome.name}\n`,
  );
}
process.stdout.write(`npm test took ${total.toFixed(1)} s\n`);
process.exit(outcomes.every((outcome) => outcome.code === 0) && outcomes.length === 4 ? 0 : 1);
