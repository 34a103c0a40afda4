// `npm start`: synthesize the CDK app (dev stage) into cdk.out unless nothing it is made from changed
// since the last time, run the template in the local cloud, and say where the start time went.
// While it runs, a saved change under functions/, shared/ or events/ is hot-reloaded into the running
// functions (infra/local/reload/); LOCAL_HOT_RELOAD=off turns that off.
// DRONE_SIMULATOR=off leaves the drone simulator out of the synthesized stack.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { describeSynthesis, ensureSynthesized, type SynthesisOutcome } from '../infra/local/synth/cache.ts';
import { createStartTimer, formatStartReport, isReadyLine } from '../infra/local/synth/start-report.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

const context: Record<string, string> = { stage: 'dev' };
if (process.env.DRONE_SIMULATOR === 'off') context.droneSimulator = 'false';

let synthesis: SynthesisOutcome;
try {
  synthesis = await ensureSynthesized({
    root: ROOT,
    outdir: 'cdk.out',
    context,
    log: (line) => console.error(line),
  });
} catch (error) {
  console.error(`${(error as Error).message}\nthe local cloud was not started`);
  process.exit(1);
}
console.error(describeSynthesis(synthesis));

const cloudStarted = performance.now();
const cloud = spawn(
  process.execPath,
  // The state folder is the CLI's default: LOCAL_STATE_DIR, else `.local`. The operations console shows
  // the app's views (console/) and replays the event fixtures, validated by the catalog's loader.
  [
    '--import',
    'tsx',
    'infra/local/cli/start.ts',
    '--app',
    'cdk.out',
    '--console-app',
    'console',
    '--fixtures',
    'events/fixtures',
    '--fixture-loader',
    'events/fixtures.ts',
  ],
  {
    cwd: ROOT,
    // Its own process group: Ctrl-C reaches it once, forwarded from here, rather than twice (from the
    // terminal and from here), which the local cloud takes for "exit without stopping cleanly".
    detached: true,
    // Output passes through line by line: the log lines tell when each start phase ended. No stdin:
    // outside the terminal's process group, a read from it would stop the process.
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      // Hot reload of the project in the working folder, unless the caller turned it off.
      LOCAL_HOT_RELOAD: process.env.LOCAL_HOT_RELOAD ?? 'on',
      // The local cloud's own SDK clients run on this machine's Node.js; their notice about future
      // Node.js versions is not about the system being run.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
);
const timer = createStartTimer(cloudStarted);
let ready = false;

createInterface({ input: cloud.stderr }).on('line', (line) => {
  process.stderr.write(`${line}\n`);
  if (!ready) timer.observe(line, performance.now());
});
createInterface({ input: cloud.stdout }).on('line', (line) => {
  process.stdout.write(`${line}\n`);
  if (ready || !isReadyLine(line)) return;
  ready = true;
  const now = performance.now();
  console.error(
    formatStartReport({
      // performance.now() counts from this process's start: the total includes loading this script.
      totalSeconds: now / 1000,
      synthesis,
      cloudSeconds: (now - cloudStarted) / 1000,
      phases: timer.phases(now),
    }),
  );
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => cloud.kill(signal));
}
// A closed terminal stops the local cloud cleanly too; so does this script ending any other way.
process.on('SIGHUP', () => cloud.kill('SIGTERM'));
process.on('exit', () => {
  if (cloud.exitCode === null && cloud.signalCode === null) cloud.kill('SIGTERM');
});
// `close`, not `exit`: the last lines of its output are passed on first.
cloud.on('close', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
