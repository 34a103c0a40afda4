// `tsx infra/local/cli/start.ts [--app cdk.out] [--state .local] [--stack Name] [--env NAME=value ...]`:
// runs the synthesized stack in the local cloud until SIGINT or SIGTERM.
// Ports: LOCAL_EDGE_PORT (4566), LOCAL_API_PORT (3000); 0 picks free ones.
// `--env` replaces a function environment variable wherever the template sets it.
import { parseArgs } from 'node:util';
import { faultsFromEnv } from '../admin/faults.ts';
import { defaultStateDir } from '../auth/state.ts';
import { type LocalCloud, readyLine, startLocalCloud } from '../cloud.ts';
import { createConsoleLogger } from '../log.ts';

function portFrom(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${name} must be a port number, got "${text}"`);
  return port;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      app: { type: 'string', default: 'cdk.out' },
      state: { type: 'string', default: defaultStateDir() },
      stack: { type: 'string' },
      env: { type: 'string', multiple: true, default: [] },
    },
  });
  const env = Object.fromEntries(
    values.env.map((pair) => {
      const equals = pair.indexOf('=');
      if (equals <= 0) throw new Error(`--env expects NAME=value, got "${pair}"`);
      return [pair.slice(0, equals), pair.slice(equals + 1)];
    }),
  );
  // LOCAL_FAULTS='[{"function": "<logical id or name part>", "errorRate": 0.3, "latencyMs": 500}]', LOCAL_SQS_DUPLICATE_RATE=0.1
  const faults = faultsFromEnv(process.env);
  const log = createConsoleLogger();

  // Signals are handled from the start: one that arrives while the parts start stops them once up
  // (a second one exits at once; DynamoDB Local is killed on exit), so no Java process is left behind.
  let cloud: LocalCloud | undefined;
  let stopping = false;
  const stopAndExit = (running: LocalCloud) =>
    running.stop().then(
      () => process.exit(0),
      (error: Error) => {
        log.error('stop failed', { error: error.message });
        process.exit(1);
      },
    );
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn('second signal: exiting without waiting', { signal });
      process.exit(1);
    }
    stopping = true;
    log.info('stopping', { signal });
    if (cloud) void stopAndExit(cloud);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  cloud = await startLocalCloud({
    cloudAssemblyDir: values.app,
    stateDir: values.state,
    edgePort: portFrom('LOCAL_EDGE_PORT', 4566),
    apiBasePort: portFrom('LOCAL_API_PORT', 3000),
    log,
    env,
    faults,
    ...(values.stack ? { stackName: values.stack } : {}),
  });
  if (stopping) {
    await stopAndExit(cloud);
    return;
  }
  process.stdout.write(`${readyLine(cloud.urls)}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`local cloud failed to start: ${error.message}\n`);
  process.exit(1);
});
