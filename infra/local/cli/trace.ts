// `tsx infra/local/cli/trace.ts <value> --key <correlation key>`: prints, in time order, every hop of a
// value across the services: the functions' log lines, EventBridge's reports and the queue messages
// that carry the correlation ids of the log lines mentioning the value.
import { join } from 'node:path';
import { LocalCloudUnreachableError } from '../admin/client.ts';
import { buildTrace, formatHop, type Trace } from '../admin/trace.ts';
import {
  adminClientFor,
  type CliIo,
  COMMON_OPTIONS,
  isMainModule,
  parseCliArgs,
  runAsMain,
  runCli,
  stateDirOf,
  UsageError,
} from './cli-support.ts';

function usage(valueName: string, fixedKey: string | undefined): string {
  return `Prints every hop of a ${valueName} across the services, in time order, one line each
(time  function  message  key fields): the functions' log lines, EventBridge's routing and delivery
reports, and the queue messages, that carry a correlation id of a log line mentioning the ${valueName}.

Usage: npm run trace -- <${valueName}> [options]

Options:
${fixedKey ? '' : '  --key <name>     the correlation key of the JSON log lines                   required\n'}  --json           print the trace as JSON
  --state <dir>    the local cloud's state folder (logs in <dir>/logs)  default: $LOCAL_STATE_DIR or .local
  --help           show this help

Without a running local cloud the trace comes from the log files alone (no EventBridge reports).
Exit codes: 0 hops found; 1 nothing mentions the ${valueName}; 2 bad arguments.
`;
}

export interface TraceDefaults {
  /** The correlation key the application's logs carry (then `--key` is optional). */
  key?: string;
  /** What the value is called in the usage text. */
  valueName?: string;
}

/** Prints a trace: a header with the correlation ids, then one aligned line per hop. */
export function formatTrace(trace: Trace): string {
  const width = Math.min(48, Math.max(0, ...trace.hops.map((hop) => hop.source.length)));
  const head = `trace of ${trace.value}: ${trace.key} ${trace.correlationIds.join(', ')} (${trace.hops.length} hops)`;
  return `${[head, ...trace.hops.map((hop) => formatHop(hop, width))].join('\n')}\n`;
}

/** Runs the trace CLI; returns the exit code. */
export async function runTraceCli(
  argv: readonly string[],
  io: CliIo,
  defaults: TraceDefaults = {},
): Promise<number> {
  const valueName = defaults.valueName ?? 'value';
  return runCli('trace', usage(valueName, defaults.key), argv, io, async () => {
    const { values, positionals } = parseCliArgs(argv, { ...COMMON_OPTIONS, key: { type: 'string' } });
    const [value, ...extra] = positionals;
    if (value === undefined || value === '') throw new UsageError(`give the ${valueName} to trace`);
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const key = values.key ?? defaults.key;
    if (!key) throw new UsageError('--key is required');
    let trace: Trace;
    try {
      const client = await adminClientFor(values, io);
      trace = await client.request<Trace>('GET', `/trace?${new URLSearchParams({ value, key }).toString()}`);
    } catch (error) {
      if (!(error instanceof LocalCloudUnreachableError)) throw error;
      io.stderr(`trace: ${error.message}; tracing from the log files only\n`);
      trace = await buildTrace(join(stateDirOf(values, io), 'logs'), value, key);
    }
    if (trace.correlationIds.length === 0) {
      io.stderr(`trace: no log line mentions ${value} with a ${key}\n`);
      return 1;
    }
    io.stdout(values.json ? `${JSON.stringify(trace, null, 2)}\n` : formatTrace(trace));
    return 0;
  });
}

if (isMainModule(import.meta.url)) runAsMain((argv, io) => runTraceCli(argv, io));
