// `npm test`: the type check and the lint side by side, then every test project in one run. The
// checks come first because the hot-reload test edits a handler of the repository (and restores
// it) while it runs. The exit code is the first failure's.
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

const STEPS: Step[] = [
  { name: 'typecheck', command: bin('tsc'), args: ['-p', 'tsconfig.json'] },
  { name: 'lint', command: bin('biome'), args: ['check', '.'] },
  {
    name: 'tests',
    command: bin('vitest'),
    args: ['run', '--coverage', ...process.argv.slice(2)],
    live: true,
  },
];

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

async function runAll(steps: Step[]) {
  return Promise.all(
    steps.map(async (step) => {
      const result = await run(step);
      if (!step.live) {
        process.stdout.write(`\n── ${step.name} (${result.seconds} s) ──\n${result.output}`);
      }
      return result;
    }),
  );
}

const checks = await runAll(STEPS.filter((step) => !step.live));
const results = checks.every((result) => result.code === 0)
  ? [...checks, ...(await runAll(STEPS.filter((step) => step.live)))]
  : checks;

console.log('');
for (const { step, code, seconds } of results) {
  console.log(`${code === 0 ? 'passed' : 'FAILED'}  ${step.name} (${seconds} s)`);
}
process.exitCode = results.find((result) => result.code !== 0)?.code ?? 0;
