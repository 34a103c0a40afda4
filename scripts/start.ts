// `npm start`: synthesize the CDK app (dev stage) and run the template in the local cloud.
// DRONE_SIMULATOR=off leaves the drone simulator out of the synthesized stack.
import { spawn, spawnSync } from 'node:child_process';

const context = ['-c', 'stage=dev'];
if (process.env.DRONE_SIMULATOR === 'off') context.push('-c', 'droneSimulator=false');

const started = Date.now();
const synth = spawnSync('npx', ['cdk', 'synth', '--quiet', ...context], { stdio: 'inherit' });
if (synth.status !== 0) {
  console.error('cdk synth failed; the local cloud was not started');
  process.exit(synth.status ?? 1);
}
console.error(`synthesized in ${((Date.now() - started) / 1000).toFixed(1)} s`);

const cloud = spawn(
  process.execPath,
  ['--import', 'tsx', 'infra/local/cli/start.ts', '--app', 'cdk.out', '--state', '.local'],
  {
    stdio: 'inherit',
    // The local cloud's own SDK clients run on this machine's Node.js; their notice about future
    // Node.js versions is not about the system being run.
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => cloud.kill(signal));
}
cloud.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
