// `tsx infra/local/cli/faults.ts list|set|add|remove|clear|duplicates`: changes the running local
// cloud's injected faults (per function an error rate and an added latency, as AWS FIS's Lambda
// actions, and the SQS duplicate-delivery rate).

import { FaultSettingsError, parseFault, parseFaultSettings, parseRate } from '../admin/faults.ts';
import type { FunctionFault } from '../lambda/host.ts';
import {
  adminClientFor,
  type CliIo,
  COMMON_OPTIONS,
  isMainModule,
  parseCliArgs,
  runAsMain,
  runCli,
  UsageError,
} from './cli-support.ts';

export const FAULTS_USAGE = `Shows and changes the faults the running local cloud injects: per function an error rate and an
added latency (AWS FIS's Lambda actions), and the SQS duplicate-delivery rate. Every injected fault is
logged as such in the function's log.

Usage: npm run faults -- <command> [options]

Commands:
  list                                   the faults in force
  set '<json>'                           replace the function faults with a JSON list
                                         [{"function": "<logical id or name part>", "errorRate": 0.3, "latencyMs": 500}]
                                         or set {"functions": [...], "sqsDuplicateRate": 0.1}
  add --function <id|name part> [--error-rate <0..1>] [--latency-ms <ms>]
                                         add a fault (replaces one for the same --function)
  remove --function <id|name part>       remove the fault of that --function
  duplicates <0..1>                      the share of SQS records delivered twice
  clear                                  remove every fault and set the duplicate rate to 0

Options:
  --json           print the faults as JSON
  --state <dir>    the local cloud's state folder               default: $LOCAL_STATE_DIR or .local
  --help           show this help

At start, LOCAL_FAULTS (the same JSON list) and LOCAL_SQS_DUPLICATE_RATE set them.
Exit codes: 0 done; 1 the local cloud refused or is not running; 2 bad arguments.
`;

interface FaultState {
  functions: FunctionFault[];
  sqsDuplicateRate: number;
}

export type FaultsCommand =
  | { kind: 'list' }
  | { kind: 'clear' }
  | { kind: 'set'; body: unknown }
  | { kind: 'add'; fault: FunctionFault }
  | { kind: 'remove'; function: string }
  | { kind: 'duplicates'; rate: number };

function settingsOrUsage<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof FaultSettingsError) throw new UsageError(error.message);
    throw error;
  }
}

/** Parses the faults CLI's arguments; throws UsageError. */
export function parseFaultsArgs(argv: readonly string[]): {
  command: FaultsCommand;
  values: Record<string, unknown>;
} {
  const { values, positionals } = parseCliArgs(argv, {
    ...COMMON_OPTIONS,
    function: { type: 'string' },
    'error-rate': { type: 'string' },
    'latency-ms': { type: 'string' },
  });
  const [name, ...rest] = positionals;
  const noMore = (count: number) => {
    if (rest.length > count) throw new UsageError(`unexpected argument "${rest[count]}"`);
  };
  switch (name) {
    case 'list':
    case 'clear':
      noMore(0);
      return { command: { kind: name }, values };
    case 'set': {
      noMore(1);
      const text = rest[0];
      if (text === undefined)
        throw new UsageError(
          'set needs the faults as JSON, e.g. set \'[{"function": "X", "errorRate": 1}]\'',
        );
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (error) {
        throw new UsageError(`set: not JSON: ${(error as Error).message}`);
      }
      settingsOrUsage(() => parseFaultSettings(body));
      return { command: { kind: 'set', body }, values };
    }
    case 'add': {
      noMore(0);
      if (!values.function) throw new UsageError('add needs --function');
      const number = (text: string | undefined, option: string) => {
        if (text === undefined) return undefined;
        const parsed = Number(text);
        if (text.trim() === '' || Number.isNaN(parsed))
          throw new UsageError(`${option} must be a number, got "${text}"`);
        return parsed;
      };
      const errorRate = number(values['error-rate'], '--error-rate');
      const latencyMs = number(values['latency-ms'], '--latency-ms');
      const fault = settingsOrUsage(() =>
        parseFault({
          function: values.function,
          ...(errorRate !== undefined ? { errorRate } : {}),
          ...(latencyMs !== undefined ? { latencyMs } : {}),
        }),
      );
      return { command: { kind: 'add', fault }, values };
    }
    case 'remove':
      noMore(0);
      if (!values.function) throw new UsageError('remove needs --function');
      return { command: { kind: 'remove', function: values.function }, values };
    case 'duplicates': {
      noMore(1);
      const text = rest[0];
      if (text === undefined) throw new UsageError('duplicates needs a rate from 0 to 1');
      return {
        command: { kind: 'duplicates', rate: settingsOrUsage(() => parseRate(text, 'the rate')) },
        values,
      };
    }
    case undefined:
      throw new UsageError('give a command: list, set, add, remove, duplicates or clear');
    default:
      throw new UsageError(`unknown command "${name}"`);
  }
}

/** Formats the faults in force, one line each. */
export function formatFaults(state: FaultState): string {
  const lines = state.functions.map((fault) => {
    const parts = [
      ...(fault.errorRate !== undefined ? [`error rate ${fault.errorRate}`] : []),
      ...(fault.latencyMs !== undefined ? [`latency ${fault.latencyMs} ms`] : []),
    ];
    return `function ${fault.function}: ${parts.join(', ')}`;
  });
  if (lines.length === 0) lines.push('no function faults');
  lines.push(`SQS duplicate-delivery rate: ${state.sqsDuplicateRate}`);
  return `${lines.join('\n')}\n`;
}

/** Runs the faults CLI; returns the exit code. */
export async function runFaultsCli(argv: readonly string[], io: CliIo): Promise<number> {
  return runCli('faults', FAULTS_USAGE, argv, io, async () => {
    const { command, values } = parseFaultsArgs(argv);
    const client = await adminClientFor(values as { state?: string }, io);
    let state: FaultState;
    switch (command.kind) {
      case 'list':
        state = await client.request<FaultState>('GET', '/faults');
        break;
      case 'clear':
        state = await client.request<FaultState>('DELETE', '/faults');
        break;
      case 'set':
        state = await client.request<FaultState>('PUT', '/faults', command.body);
        break;
      case 'add':
        state = await client.request<FaultState>('POST', '/faults', command.fault);
        break;
      case 'remove': {
        const current = await client.request<FaultState>('GET', '/faults');
        const kept = current.functions.filter((fault) => fault.function !== command.function);
        if (kept.length === current.functions.length) {
          io.stderr(`faults: no fault for "${command.function}"\n`);
          return 1;
        }
        state = await client.request<FaultState>('PUT', '/faults', { functions: kept });
        break;
      }
      case 'duplicates':
        state = await client.request<FaultState>('PUT', '/faults', { sqsDuplicateRate: command.rate });
        break;
    }
    io.stdout(values.json ? `${JSON.stringify(state, null, 2)}\n` : formatFaults(state));
    return 0;
  });
}

if (isMainModule(import.meta.url)) runAsMain(runFaultsCli);
