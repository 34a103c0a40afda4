import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLocalIssuer, JWT_KEY_FILE, keyExists } from '../auth/jwt.ts';
import { defaultStateDir, readLocalCloudState, STATE_FILE } from '../auth/state.ts';

const USAGE = `Mints a JWT the running local cloud's HTTP API accepts, and prints only the token.

Usage: npm run token -- --account <id> [options]

Options:
  --account <id>        account the token acts for (claim account_id)       required
  --sub <user>          subject (claim sub)                                  default: user-<account>
  --claim <name=value>  an extra claim; repeat for more
  --api <text>          pick the API whose logical id contains <text>       default: the first with a JWT authorizer
  --expires <seconds>   lifetime in seconds                                  default: 3600
  --state-dir <dir>     the local cloud's state folder                       default: $LOCAL_STATE_DIR or .local
  --help                show this help
`;

class UsageError extends Error {
  override name = 'UsageError';
}

interface TokenArgs {
  account: string;
  sub: string;
  claims: Record<string, string>;
  api: string | undefined;
  expiresInSeconds: number;
  stateDir: string | undefined;
}

/** Parses the token CLI's arguments; `help` when usage was asked for. */
export function parseTokenArgs(argv: readonly string[]): TokenArgs | 'help' {
  const values: Record<string, string> = {};
  const claims: Record<string, string> = {};
  const takesValue = new Set(['--account', '--sub', '--claim', '--api', '--expires', '--state-dir']);
  for (let index = 0; index < argv.length; index += 1) {
    const raw = argv[index]!;
    if (raw === '--help' || raw === '-h') return 'help';
    const equals = raw.indexOf('=');
    const name = raw.startsWith('--') && equals > 0 && raw !== '--claim' ? raw.slice(0, equals) : raw;
    if (!takesValue.has(name)) throw new UsageError(`unknown argument "${raw}"`);
    let value: string | undefined;
    if (name !== raw) value = raw.slice(equals + 1);
    else {
      value = argv[index + 1];
      index += 1;
    }
    if (value === undefined || value === '' || (value.startsWith('--') && name === raw)) {
      throw new UsageError(`${name} needs a value`);
    }
    if (name === '--claim') {
      const separator = value.indexOf('=');
      if (separator <= 0) throw new UsageError(`--claim expects name=value, got "${value}"`);
      claims[value.slice(0, separator)] = value.slice(separator + 1);
    } else {
      values[name] = value;
    }
  }
  const account = values['--account'];
  if (!account) throw new UsageError('--account is required');
  const expires = values['--expires'] ?? '3600';
  const expiresInSeconds = Number(expires);
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds <= 0) {
    throw new UsageError(`--expires must be a positive whole number of seconds, got "${expires}"`);
  }
  return {
    account,
    sub: values['--sub'] ?? `user-${account}`,
    claims,
    api: values['--api'],
    expiresInSeconds,
    stateDir: values['--state-dir'],
  };
}

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Runs `npm run token`: returns the exit code (0 ok, 1 no usable local cloud, 2 bad arguments). */
export async function runTokenCli(argv: readonly string[], io: CliIo): Promise<number> {
  let args: TokenArgs | 'help';
  try {
    args = parseTokenArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`token: ${error.message} (see --help)\n`);
    return 2;
  }
  if (args === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  const stateDir = resolve(io.cwd, args.stateDir ?? defaultStateDir(io.env));
  const state = await readLocalCloudState(stateDir).catch((error: unknown) => {
    io.stderr(`token: ${error instanceof Error ? error.message : String(error)}\n`);
    return null;
  });
  if (state === null) return 1;
  if (!state || !(await keyExists(stateDir))) {
    io.stderr(
      `token: the local cloud was never started here (no ${join(stateDir, state ? JWT_KEY_FILE : STATE_FILE)}); run npm start first\n`,
    );
    return 1;
  }
  const candidates = state.apis.filter(
    (api) => api.authorizers.length > 0 && (!args.api || api.logicalId.includes(args.api)),
  );
  const authorizer = candidates[0]?.authorizers[0];
  if (!authorizer) {
    const which = args.api ? ` whose logical id contains "${args.api}"` : '';
    io.stderr(`token: no HTTP API${which} has a JWT authorizer in ${join(stateDir, STATE_FILE)}\n`);
    return 1;
  }
  const audience = authorizer.audience[0];
  if (!audience) {
    io.stderr(`token: the JWT authorizer of ${candidates[0]?.logicalId} has no audience\n`);
    return 1;
  }
  const issuer = await createLocalIssuer({ stateDir });
  const token = await issuer.mint({
    issuer: authorizer.issuer,
    audience,
    sub: args.sub,
    claims: { ...args.claims, account_id: args.account },
    expiresInSeconds: args.expiresInSeconds,
  });
  io.stdout(`${token}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  runTokenCli(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
