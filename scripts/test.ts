// `npm test`: the type check and the lint side by side, then two vitest runs one after the other:
// - unit, unit-infra, integration and own-cloud (the crash-restart test, started first so that its
//   waits overlap the unit files), with coverage: the code under test runs in their workers;
// - e2e: one shared local cloud, its files one at a time.
// The end-to-end run comes last and alone: run beside the others, its local cloud and theirs share
// 2 cores, and the whole takes as long while every timing in it gets worse. It also edits a handler
// of the repository (the hot-reload test, which restores it) that the checks must not read.
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
    ...['unit', 'unit-infra', 'integration', 'own-cloud'].flatMap((p) => ['--project', p]),
  ]),
  live: true,
};
const END_TO_END: Step = {
  name: 'e2e',
  command: bin('vitest'),
  args: vitest(['run', '--project', 'e2e']),
  live: true,
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

const checks = await Promise.all(CHECKS.map(runShown));
const passed = checks.every((result) => result.code === 0);
const results = passed ? [...checks, await runShown(TESTS), await runShown(END_TO_END)] : checks;

console.log('');
for (const { step, code, seconds } of results) {
  console.log(`${code === 0 ? 'passed' : 'FAILED'}  ${step.name} (${seconds} s)`);
}
if (!passed) console.log('skipped the tests: the checks failed');
process.exitCode = results.find((result) => result.code !== 0)?.code ?? 0;
