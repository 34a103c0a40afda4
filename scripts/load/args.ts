// The load generator's arguments: strict parsing, and a one-line error naming the option for bad input.
import { parseCliArgs, UsageError } from '../../infra/local/cli/cli-support.ts';

export interface LoadArgs {
  /** Schedule requests per second. */
  rate: number;
  /** Seconds of sending. */
  durationSeconds: number;
  /** The public API's base URL; undefined: the local cloud's. */
  url: string | undefined;
  /** A bearer token; undefined: minted by the local cloud's issuer for `account`. */
  token: string | undefined;
  account: string;
  /** How many deliveries are polled to `Completed` at most. */
  follow: number;
  /** Seconds to wait, after the last send, for answers and followed deliveries. */
  waitSeconds: number;
  /** Seconds before a POST that has no answer counts as timed out. */
  timeoutSeconds: number;
  cost: boolean;
  reset: boolean;
  /** Where to write the local cloud's meters after the run, as JSON. */
  metersFile: string | undefined;
  edge: string | undefined;
  state: string | undefined;
}

/** The options `npm run load` accepts. */
export const LOAD_OPTIONS = {
  rate: { type: 'string' },
  duration: { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  account: { type: 'string' },
  follow: { type: 'string' },
  wait: { type: 'string' },
  timeout: { type: 'string' },
  cost: { type: 'boolean' },
  reset: { type: 'boolean' },
  meters: { type: 'string' },
  edge: { type: 'string' },
  state: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function number(
  value: string | undefined,
  name: string,
  options: { fallback?: number; integer?: boolean; min: number },
): number {
  if (value === undefined) {
    if (options.fallback === undefined) throw new UsageError(`--${name} is required`);
    return options.fallback;
  }
  const parsed = Number(value);
  const kind = options.integer ? 'whole number' : 'number';
  const bound = options.min === 0 ? `a ${kind} >= 0` : `a positive ${kind}`;
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < options.min) {
    throw new UsageError(`--${name} must be ${bound}, got "${value}"`);
  }
  if (options.integer && !Number.isInteger(parsed)) {
    throw new UsageError(`--${name} must be ${bound}, got "${value}"`);
  }
  return parsed;
}

function httpUrl(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new UsageError(`--${name} must be an http(s) URL, got "${value}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`--${name} must be an http(s) URL, got "${value}"`);
  }
  return value.replace(/\/+$/, '');
}

/** Parses `npm run load`'s arguments; `help` when usage was asked for; throws UsageError on bad input. */
export function parseLoadArgs(argv: readonly string[]): LoadArgs | 'help' {
  const { values, positionals } = parseCliArgs(argv, LOAD_OPTIONS);
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const rate = number(values.rate, 'rate', { min: Number.MIN_VALUE });
  const durationSeconds = number(values.duration, 'duration', { min: Number.MIN_VALUE });
  if (rate * durationSeconds < 1) {
    throw new UsageError(`--rate ${rate} for --duration ${durationSeconds} s sends no request`);
  }
  if (values.token !== undefined && values.token.trim() === '') throw new UsageError('--token is empty');
  if (values.account !== undefined && values.account.trim() === '')
    throw new UsageError('--account is empty');
  const remote = values.url !== undefined;
  if ((values.cost || values.reset || values.meters !== undefined) && remote && values.edge === undefined) {
    throw new UsageError('--cost, --reset and --meters read a local cloud: with --url, also give --edge');
  }
  return {
    rate,
    durationSeconds,
    url: httpUrl(values.url, 'url'),
    token: values.token,
    account: values.account ?? 'acct-demo',
    follow: number(values.follow, 'follow', { fallback: 50, integer: true, min: 0 }),
    waitSeconds: number(values.wait, 'wait', { fallback: 180, min: 0 }),
    timeoutSeconds: number(values.timeout, 'timeout', { fallback: 30, min: Number.MIN_VALUE }),
    cost: values.cost ?? false,
    reset: values.reset ?? false,
    metersFile: values.meters,
    edge: httpUrl(values.edge, 'edge'),
    state: values.state,
  };
}
