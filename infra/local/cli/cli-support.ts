// What the tester's CLIs share: argument parsing with one-line errors, `--help`, exit codes
// (0 ok, 1 failed, 2 bad arguments), and the admin client of the local cloud named by `--state`.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import {
  type AdminClient,
  AdminClientError,
  createAdminClient,
  edgeUrlFrom,
  LocalCloudUnreachableError,
} from '../admin/client.ts';
import { defaultStateDir } from '../auth/state.ts';

/** Bad arguments: the CLI prints the message and exits with 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure the CLI reports in one line and exits with 1. */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';
}

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  fetch?: typeof fetch;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** The options every admin CLI accepts. */
export const COMMON_OPTIONS = {
  state: { type: 'string' },
  'state-dir': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** Parses arguments strictly; unknown options and missing values become a UsageError. */
export function parseCliArgs<T extends Options>(argv: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    // Node's advice on positionals that start with '-' makes the line long without helping here.
    const message = (error as Error).message.split('\n')[0] ?? String(error);
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/, ''));
  }
}

/** Parses a positive number option (`--speed`, `--timeout`); a UsageError names the option. */
export function positiveNumber(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0) {
    throw new UsageError(`${name} must be a positive number, got "${value}"`);
  }
  return number;
}

/** The state folder: `--state` (or `--state-dir`), else `$LOCAL_STATE_DIR`, else `.local`. */
export function stateDirOf(
  values: { state?: string | boolean; 'state-dir'?: string | boolean },
  io: CliIo,
): string {
  const given = typeof values.state === 'string' ? values.state : values['state-dir'];
  return resolve(io.cwd, typeof given === 'string' ? given : defaultStateDir(io.env));
}

/** The admin client of the local cloud whose state folder the arguments name. */
export async function adminClientFor(
  values: { state?: string | boolean; 'state-dir'?: string | boolean },
  io: CliIo,
): Promise<AdminClient> {
  const edge = await edgeUrlFrom(stateDirOf(values, io));
  return createAdminClient(edge, io.fetch ?? fetch);
}

/** Runs a CLI's main: `--help` prints the usage; errors become one line on stderr and an exit code. */
export async function runCli(
  name: string,
  usage: string,
  argv: readonly string[],
  io: CliIo,
  main: () => Promise<number>,
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(usage);
    return 0;
  }
  try {
    return await main();
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${name}: ${error.message} (see --help)\n`);
      return 2;
    }
    const known =
      error instanceof CliFailure ||
      error instanceof AdminClientError ||
      error instanceof LocalCloudUnreachableError;
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`${name}: ${known ? message : `unexpected error: ${message}`}\n`);
    return 1;
  }
}

/** The process's own streams and environment. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
  };
}

/** Whether a module is the script node was started with (so that importing it runs nothing). */
export function isMainModule(importMetaUrl: string): boolean {
  return Boolean(process.argv[1]) && importMetaUrl === pathToFileURL(resolve(process.argv[1] ?? '')).href;
}

/** Runs a CLI as the process's main module and sets the exit code. */
export function runAsMain(run: (argv: readonly string[], io: CliIo) => Promise<number>): void {
  run(process.argv.slice(2), processIo()).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
