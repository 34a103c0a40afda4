// `tsx infra/local/cli/start.ts [--app cdk.out] [--state .local] [--stack Name] [--env NAME=value ...]
//   [--console-app <dir>] [--fixtures <dir> [--fixture-loader <module>]]`:
// runs the synthesized stack in the local cloud until SIGINT or SIGTERM.
// Ports: LOCAL_EDGE_PORT (4566), LOCAL_API_PORT (3000); 0 picks free ones.
// `--env` replaces a function environment variable wherever the template sets it.
// The operations console (`/_local/console/`) loads the application's views from `--console-app`
// (its index.js) and replays the fixtures of `--fixtures`, read by the `loadFixture(file)` export of
// `--fixture-loader` when given (the application's validation).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { faultsFromEnv } from '../admin/faults.ts';
import type { ConsoleOptions } from '../admin/index.ts';
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
      'console-app': { type: 'string' },
      fixtures: { type: 'string' },
      'fixture-loader': { type: 'string' },
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
  const consoleOptions = await consoleOptionsOf(values);
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
    console: consoleOptions,
    ...(values.stack ? { stackName: values.stack } : {}),
  });
  if (stopping) {
    await stopAndExit(cloud);
    return;
  }
  process.stdout.write(`${readyLine(cloud.urls)}\n`);
}

async function consoleOptionsOf(values: {
  'console-app'?: string | undefined;
  fixtures?: string | undefined;
  'fixture-loader'?: string | undefined;
}): Promise<ConsoleOptions> {
  const options: ConsoleOptions = {};
  if (values['console-app']) options.appDir = path.resolve(values['console-app']);
  if (values.fixtures) options.fixturesDir = path.resolve(values.fixtures);
  const loader = values['fixture-loader'];
  if (loader) {
    const module = (await import(pathToFileURL(path.resolve(loader)).href)) as { loadFixture?: unknown };
    if (typeof module.loadFixture !== 'function') {
      throw new Error(`--fixture-loader ${loader} exports no loadFixture(file) function`);
    }
    options.loadFixture = module.loadFixture as NonNullable<ConsoleOptions['loadFixture']>;
  }
  return options;
}

main().catch((error: Error) => {
  process.stderr.write(`local cloud failed to start: ${error.message}\n`);
  process.exit(1);
});
