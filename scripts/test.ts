// `npm test`: the type check, the lint and a first vitest run side by side, then two more vitest runs.
// - unit, unit-infra and integration, with coverage (the code under test runs in their workers),
//   beside the type check and the lint: all of it computes, and together they keep both cores busy;
// - e2e (one shared local cloud, its files one at a time) beside own-cloud (the crash-restart test,
//   which starts and kills a local cloud of its own), in two vitest runs at once: both mostly wait on
//   their clouds, about a core's worth between them, so each overlaps the other's waits instead of
//   the first run's computing (the crash-restart run's output is shown when it ends).
// The end-to-end run comes last: it edits a handler of the repository (the hot-reload test, which
// restores it) that the checks and the unit files must not read.
// The exit code is the first failure's.
import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);

interface Step {
  name: string;
  command: string;
  args: string[];
  /** Streams its output as it comes (the test run); the others are buffered and shown at their end. */
  live?: boolean;
}

const filters = process.argv.slice(2);
const vitest = (args: string[]) => [...args, '--passWithNoTests', ...filters];

const CHECKS: Step[] = [
  { name: 'typecheck', command: bin('tsc'), args: ['-p', 'tsconfig.json'] },
  { name: 'lint', command: bin('biome'), args: ['check', '.'] },
];
const TESTS: Step = {
  name: 'tests',
  command: bin('vitest'),
  args: vitest([
    'run',
    '--coverage',
    ...['unit', 'unit-infra', 'integration'].flatMap((p) => ['--project', p]),
  ]),
  live: true,
};
const END_TO_END: Step = {
  name: 'e2e',
  command: bin('vitest'),
  args: vitest(['run', '--project', 'e2e']),
  live: true,
};
// A vitest run of its own: in one run with the e2e files it would wait for them (their project runs
// its files one at a time, and vitest then runs every file of the run so).
const CRASH_RESTART: Step = {
  name: 'crash-restart',
  command: bin('vitest'),
  args: vitest(['run', '--project', 'own-cloud']),
};

function run(step: Step): Promise<{ step: Step; code: number; output: string; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(step.command, step.args, { cwd: ROOT, stdio: step.live ? 'inherit' : 'pipe' });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const finish = (code: number) =>
      resolve({ step, code, output, seconds: Math.round((Date.now() - started) / 1000) });
    child.on('error', (error) => {
      output += `${error.message}\n`;
      finish(1);
    });
    child.on('close', (code, signal) => finish(code ?? (signal ? 1 : 0)));
  });
}

async function runShown(step: Step) {
  const result = await run(step);
  if (!step.live) process.stdout.write(`\n── ${step.name} (${result.seconds} s) ──\n${result.output}`);
  return result;
}

const first = await Promise.all([...CHECKS, TESTS].map(runShown));
const passed = first.every((result) => result.code === 0);
const results = passed
  ? [...first, ...(await Promise.all([END_TO_END, CRASH_RESTART].map(runShown)))]
  : first;

console.log('');
for (const { step, code, seconds } of results) {
  console.log(`${code === 0 ? 'passed' : 'FAILED'}  ${step.name} (${seconds} s)`);
}
if (!passed) console.log('skipped the end-to-end run: the checks or the tests failed');
process.exitCode = results.find((result) => result.code !== 0)?.code ?? 0;
