// `tsx infra/local/cli/replay.ts <fixture file | folder>`: puts EventBridge envelopes on the running
// local cloud's bus in order and reports, per event, the rules matched, the targets and their consumers.
// Generic: an application passes its own fixture loader (schema validation) through `runReplayCli`.
import {
  type EnvelopeFile,
  formatReplayReport,
  loadEnvelopeFiles,
  replayEnvelopes,
  replayFailed,
} from '../admin/replay.ts';
import {
  adminClientFor,
  type CliIo,
  COMMON_OPTIONS,
  isMainModule,
  parseCliArgs,
  positiveNumber,
  runAsMain,
  runCli,
  UsageError,
} from './cli-support.ts';

export const REPLAY_USAGE = `Puts the fixtures' EventBridge envelopes on the running local cloud's bus, in order, then reports per
event the rules it matched, the targets invoked and the outcome (success, retried, dead-lettered),
including what the consumers behind queue targets did.

Usage: npm run replay -- <fixture file | folder> [options]

Arguments:
  <fixture file | folder>  a JSON file (one envelope or a list), or a folder: its *.json files by name

Options:
  --spacing none|original  none: send at once, one after the other (default); original: keep the
                           gaps between the envelopes' times
  --speed <n>              with original spacing, n times faster (implies --spacing original)
  --timeout <seconds>      how long to wait for every delivery to end            default: 30
  --bus <name>             the bus                          default: the template's only custom bus
  --json                   print the report as JSON
  --state <dir>            the local cloud's state folder         default: $LOCAL_STATE_DIR or .local
  --help                   show this help

Exit codes: 0 every event delivered and processed; 1 a fixture refused (nothing is sent), an event
dead-lettered, dropped or still unfinished at the timeout; 2 bad arguments.
`;

export interface ReplayHooks {
  /** Reads and validates the fixtures; throw (with the path and the reason) to refuse them. */
  load?(target: string): EnvelopeFile[] | Promise<EnvelopeFile[]>;
  usage?: string;
  sleep?: (ms: number) => Promise<void>;
}

export interface ReplayArgs {
  target: string;
  spacing: 'none' | 'original';
  speed: number;
  timeoutMs: number;
  bus: string | undefined;
  json: boolean;
  values: { state?: string; 'state-dir'?: string };
}

/** Parses the replay CLI's arguments; throws UsageError. */
export function parseReplayArgs(argv: readonly string[]): ReplayArgs {
  const { values, positionals } = parseCliArgs(argv, {
    ...COMMON_OPTIONS,
    spacing: { type: 'string' },
    speed: { type: 'string' },
    timeout: { type: 'string' },
    bus: { type: 'string' },
  });
  const [target, ...extra] = positionals;
  if (target === undefined) throw new UsageError('give a fixture file or folder');
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const spacingText = values.spacing ?? (values.speed !== undefined ? 'original' : 'none');
  if (spacingText !== 'none' && spacingText !== 'original') {
    throw new UsageError(`--spacing must be none or original, got "${spacingText}"`);
  }
  if (spacingText === 'none' && values.speed !== undefined) {
    throw new UsageError('--speed applies to --spacing original only');
  }
  return {
    target,
    spacing: spacingText,
    speed: positiveNumber(values.speed, '--speed', 1),
    timeoutMs: positiveNumber(values.timeout, '--timeout', 30) * 1000,
    bus: values.bus,
    json: values.json === true,
    values,
  };
}

/** Runs the replay CLI; returns the exit code. */
export async function runReplayCli(
  argv: readonly string[],
  io: CliIo,
  hooks: ReplayHooks = {},
): Promise<number> {
  return runCli('replay', hooks.usage ?? REPLAY_USAGE, argv, io, async () => {
    const args = parseReplayArgs(argv);
    let files: EnvelopeFile[];
    try {
      files = await (hooks.load ?? loadEnvelopeFiles)(args.target);
    } catch (error) {
      io.stderr(
        `replay: fixture refused, nothing was sent: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      return 1;
    }
    const client = await adminClientFor(args.values, io);
    const report = await replayEnvelopes(client, files, {
      spacing: args.spacing,
      speed: args.speed,
      timeoutMs: args.timeoutMs,
      ...(args.bus !== undefined ? { bus: args.bus } : {}),
      ...(hooks.sleep ? { sleep: hooks.sleep } : {}),
    });
    io.stdout(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatReplayReport(report));
    return replayFailed(report) ? 1 : 0;
  });
}

if (isMainModule(import.meta.url)) runAsMain((argv, io) => runReplayCli(argv, io));
