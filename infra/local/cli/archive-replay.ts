// `tsx infra/local/cli/archive-replay.ts --archive <name> --from <iso> --to <iso>`: replays an archive's
// events of a time window back onto its bus with EventBridge's StartReplay (through the edge, as on
// AWS), waits for the replay, and reports what the replayed events' rules and consumers did.
import '../quiet-sdk-notice.ts';
import {
  DescribeArchiveCommand,
  DescribeReplayCommand,
  EventBridgeClient,
  ListArchivesCommand,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import type { EventOutcome } from '../admin/observer.ts';
import { formatReplayReport, type ReplayReport, replayFailed } from '../admin/replay.ts';
import {
  adminClientFor,
  CliFailure,
  type CliIo,
  COMMON_OPTIONS,
  isMainModule,
  parseCliArgs,
  positiveNumber,
  runAsMain,
  runCli,
  UsageError,
} from './cli-support.ts';

export const ARCHIVE_REPLAY_USAGE = `Replays the events an EventBridge archive of the running local cloud holds for a time window back
onto the archive's bus (StartReplay, as on AWS), then reports per event the rules it matched, the
targets and what their consumers did.

Usage: npm run archive-replay -- --archive <name> --from <iso time> [--to <iso time>] [options]

Options:
  --archive <name>     the archive: its name or a unique part of it   default: the only archive
  --from <iso time>    start of the window (the time the events were archived)           required
  --to <iso time>      end of the window                                                default: now
  --name <replay>      the replay's name                               default: local-<archive>-<time>
  --timeout <seconds>  how long to wait for the replay and its deliveries                default: 60
  --json               print the report as JSON
  --state <dir>        the local cloud's state folder           default: $LOCAL_STATE_DIR or .local
  --help               show this help

Exit codes: 0 replayed and every delivery ended well; 1 the replay failed, an event ended in a
dead-letter queue or did not finish in time; 2 bad arguments.
`;

export interface ArchiveReplayArgs {
  archive: string | undefined;
  from: Date;
  to: Date;
  name: string | undefined;
  timeoutMs: number;
  json: boolean;
  values: { state?: string; 'state-dir'?: string };
}

function timeOption(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw new UsageError(`${name} must be an ISO 8601 time, got "${value}"`);
  return time;
}

/** Parses the archive-replay CLI's arguments; throws UsageError. */
export function parseArchiveReplayArgs(argv: readonly string[], now = new Date()): ArchiveReplayArgs {
  const { values, positionals } = parseCliArgs(argv, {
    ...COMMON_OPTIONS,
    archive: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    name: { type: 'string' },
    timeout: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const from = timeOption(values.from, '--from');
  if (!from) throw new UsageError('--from is required');
  const to = timeOption(values.to, '--to') ?? now;
  if (from.getTime() >= to.getTime()) throw new UsageError('--from must be before --to');
  if (values.name !== undefined && !/^[.\-_A-Za-z0-9]{1,64}$/.test(values.name)) {
    throw new UsageError('--name must be 1 to 64 letters, digits, dots, dashes or underscores');
  }
  return {
    archive: values.archive,
    from,
    to,
    name: values.name,
    timeoutMs: positiveNumber(values.timeout, '--timeout', 60) * 1000,
    json: values.json === true,
    values,
  };
}

async function findArchive(client: EventBridgeClient, wanted: string | undefined): Promise<string> {
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListArchivesCommand({ ...(token ? { NextToken: token } : {}) }));
    names.push(
      ...(page.Archives ?? []).flatMap((archive) => (archive.ArchiveName ? [archive.ArchiveName] : [])),
    );
    token = page.NextToken;
  } while (token);
  if (wanted !== undefined && names.includes(wanted)) return wanted;
  const candidates = wanted === undefined ? names : names.filter((name) => name.includes(wanted));
  if (candidates.length === 1 && candidates[0]) return candidates[0];
  if (candidates.length === 0) {
    throw new CliFailure(
      wanted === undefined
        ? 'the local cloud has no archive'
        : `no archive "${wanted}" (archives: ${names.join(', ') || 'none'})`,
    );
  }
  throw new CliFailure(`choose an archive with --archive: ${candidates.join(', ')}`);
}

/** Runs the archive-replay CLI; returns the exit code. */
export async function runArchiveReplayCli(argv: readonly string[], io: CliIo): Promise<number> {
  return runCli('archive-replay', ARCHIVE_REPLAY_USAGE, argv, io, async () => {
    const args = parseArchiveReplayArgs(argv);
    const admin = await adminClientFor(args.values, io);
    // The local edge takes any key other than a function's as an administrator's.
    const events = new EventBridgeClient({
      endpoint: admin.edge,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local-tester', secretAccessKey: 'local-tester' },
    });
    try {
      const deadline = Date.now() + args.timeoutMs;
      const archiveName = await findArchive(events, args.archive);
      const archive = await events.send(new DescribeArchiveCommand({ ArchiveName: archiveName }));
      const replayName =
        args.name ??
        `local-${archiveName}-${new Date()
          .toISOString()
          .replace(/[^0-9]/g, '')
          .slice(0, 17)}`.slice(0, 64);
      await events.send(
        new StartReplayCommand({
          ReplayName: replayName,
          EventSourceArn: archive.ArchiveArn,
          EventStartTime: args.from,
          EventEndTime: args.to,
          Destination: { Arn: archive.EventSourceArn },
        }),
      );
      let state: string | undefined;
      let reason: string | undefined;
      for (;;) {
        const replay = await events.send(new DescribeReplayCommand({ ReplayName: replayName }));
        state = replay.State;
        reason = replay.StateReason;
        if (state === 'COMPLETED' || state === 'FAILED' || state === 'CANCELLED' || Date.now() >= deadline)
          break;
        await new Promise((done) => setTimeout(done, 100));
      }
      if (state !== 'COMPLETED') {
        throw new CliFailure(
          `replay ${replayName} ended ${state ?? 'unknown'}${reason ? `: ${reason}` : ''}`,
        );
      }
      const outcomes = await admin.request<{
        settled: boolean;
        events: (EventOutcome | { eventId: string })[];
      }>('POST', '/outcomes', { replayName, timeoutMs: Math.max(0, deadline - Date.now()) });
      const report: ReplayReport = {
        bus: archive.EventSourceArn?.split('/').pop() ?? '',
        settled: outcomes.settled,
        events: outcomes.events.map((outcome, index) =>
          'settled' in outcome
            ? {
                file: archiveName,
                index,
                source: outcome.source,
                detailType: outcome.detailType,
                eventId: outcome.eventId,
                outcome,
              }
            : { file: archiveName, index, source: '?', detailType: '?', eventId: outcome.eventId },
        ),
      };
      if (args.json)
        io.stdout(`${JSON.stringify({ replayName, archive: archiveName, ...report }, null, 2)}\n`);
      else
        io.stdout(
          `replay ${replayName} of archive ${archiveName} from ${args.from.toISOString()} to ${args.to.toISOString()}: ${report.events.length} events\n${formatReplayReport(report)}`,
        );
      return replayFailed(report) ? 1 : 0;
    } finally {
      events.destroy();
    }
  });
}

if (isMainModule(import.meta.url)) runAsMain(runArchiveReplayCli);
