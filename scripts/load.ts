// `npm run load -- --rate N --duration S`: an open-model load generator for the public API. Each
// schedule request is sent at its slot (t0 + i / rate) whatever the earlier answers do, so a slow
// system meets more requests in flight rather than fewer requests; sends the generator itself could
// not start on time are counted as late. A sample of the accepted deliveries is polled to
// `Completed` for the time to Scheduled and to Completed. With --cost, the local cloud's meters
// priced as `npm run cost` does.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAdminClient } from '../infra/local/admin/client.ts';
import { readLocalCloudState } from '../infra/local/auth/state.ts';
import {
  CliFailure,
  type CliIo,
  isMainModule,
  runAsMain,
  runCli,
  stateDirOf,
} from '../infra/local/cli/cli-support.ts';
import { runTokenCli } from '../infra/local/cli/token.ts';
import { formatCostTable, priceMeters } from '../infra/local/metering/cost.ts';
import { edgeOf } from '../infra/local/metering/cost-cli.ts';
import type { Meters } from '../infra/local/metering/meter.ts';
import { PRICES_US_EAST_1 } from '../infra/local/metering/prices-us-east-1.ts';
import { deliveriesOf } from './cost.ts';
import { type LoadArgs, parseLoadArgs } from './load/args.ts';
import { type FollowCounts, formatProgress, formatReport, type LoadCounts } from './load/report.ts';
import { followedIndices, lagMs, pollDelayMs, sendOffsetsMs } from './load/schedule.ts';

const USAGE = `Sends schedule requests to the public API at a constant rate (an open model: each POST at its
slot, whatever the answers do), shows a progress line per second, and reports the POST latency, the
time to Scheduled and to Completed of a sample of the deliveries, and the answers by status.

Usage: npm run load -- --rate <per second> --duration <seconds> [options]

Options:
  --rate <n>         schedule requests per second                                   required
  --duration <s>     seconds of sending                                             required
  --url <url>        the public API              default: the running local cloud's (state folder)
  --token <jwt>      bearer token                default: minted by the local cloud for --account
  --account <id>     account of the minted token                                    default: acct-demo
  --follow <n>       deliveries polled to a final stage, spread over the run        default: 50
  --wait <s>         after the last send, wait this long for answers and followed   default: 180
  --timeout <s>      a POST without an answer after this long counts as timeout     default: 30
  --cost             print the local cloud's meters priced (as npm run cost) after the run
  --reset            zero the local cloud's meters before the run
  --meters <file>    write the local cloud's meters after the run, as JSON
  --edge <url>       the local cloud's edge (for --cost, --reset, --meters)
  --state <dir>      the local cloud's state folder                     default: $LOCAL_STATE_DIR or .local
  --help             show this help

Exit codes: 0 done; 1 no request was accepted, or the local cloud could not be read; 2 bad arguments.
`;

/** A send that starts this much past its slot is counted late. */
const LATE_AFTER_MS = 100;
/** Stages at or past Scheduled, and the final ones. */
const SCHEDULED_OR_LATER = new Set(['Scheduled', 'Rescheduled', 'InTransit', 'Completed']);
const FINAL = new Set(['Completed', 'Failed', 'Cancelled']);

async function target(args: LoadArgs, io: CliIo): Promise<{ url: string; token: string }> {
  const stateDir = stateDirOf({ state: args.state }, io);
  let url = args.url;
  if (url === undefined) {
    const state = await readLocalCloudState(stateDir);
    const api = state?.apis.find((candidate) => candidate.authorizers.length > 0);
    if (!api) {
      throw new CliFailure(
        `no local cloud in ${stateDir} (no state.json with a public API): run npm start, or give --url`,
      );
    }
    url = api.url;
  }
  if (args.token !== undefined) return { url, token: args.token };
  let token = '';
  let problem = '';
  const code = await runTokenCli(['--account', args.account, '--state-dir', stateDir], {
    ...io,
    stdout: (text) => {
      token += text;
    },
    stderr: (text) => {
      problem += text;
    },
  });
  if (code !== 0) throw new CliFailure(`cannot mint a token (${problem.trim()}); give --token`);
  return { url, token: token.trim() };
}

function scheduleBody(): string {
  // Pickup now and a deadline hours later: the drone flies at once and the delivery ends in the run.
  const now = Date.now();
  return JSON.stringify({
    pickup: { latitude: 47.6, longitude: -122.3, altitude: 0 },
    dropoff: { latitude: 47.61, longitude: -122.29, altitude: 0 },
    pickupTime: new Date(now).toISOString(),
    deadline: new Date(now + 2 * 60 * 60_000).toISOString(),
    expedited: false,
    confirmationRequired: 'None',
    package: { size: 'Small', weightKg: 1.2, tag: 'load' },
  });
}

async function run(args: LoadArgs, io: CliIo): Promise<number> {
  const { url, token } = await target(args, io);
  const needsMeters = args.cost || args.reset || args.metersFile !== undefined;
  const admin = needsMeters
    ? createAdminClient(await edgeOf({ edge: args.edge, state: args.state }, io), io.fetch ?? fetch)
    : undefined;
  if (admin && args.reset) {
    const zeroed = await admin.request<Meters>('DELETE', '/meters');
    io.stdout(`meters zeroed at ${zeroed.since}\n`);
  }

  const offsets = sendOffsetsMs(args.rate, args.durationSeconds);
  const followed = followedIndices(offsets.length, args.follow);
  const runId = `${Date.now().toString(36)}-${process.pid}`;
  const authorization = `Bearer ${token}`;
  const counts: LoadCounts = {
    elapsedSeconds: 0,
    planned: offsets.length,
    sent: 0,
    late: 0,
    answered: {},
    inFlight: 0,
  };
  const follow: FollowCounts = { followed: 0, scheduled: 0, completed: 0, ended: {} };
  const postMs: number[] = [];
  const toScheduledMs: number[] = [];
  const toCompletedMs: number[] = [];
  const pending = new Set<Promise<void>>();
  const stopFollowing = new AbortController();
  let unfinished = 0;
  let maxLagMs = 0;
  const doFetch = io.fetch ?? fetch;

  const track = (work: Promise<void>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };

  const followDelivery = async (deliveryId: string, sentAt: number) => {
    follow.followed += 1;
    let scheduled = false;
    for (let attempt = 0; !stopFollowing.signal.aborted; attempt += 1) {
      try {
        await sleep(pollDelayMs(attempt), undefined, { signal: stopFollowing.signal });
        const response = await doFetch(`${url}/v1/deliveries/${encodeURIComponent(deliveryId)}`, {
          headers: { authorization },
          signal: AbortSignal.any([stopFollowing.signal, AbortSignal.timeout(args.timeoutSeconds * 1000)]),
        });
        if (!response.ok) {
          await response.body?.cancel();
          continue;
        }
        const { stage } = (await response.json()) as { stage?: string };
        const seenAt = performance.now();
        if (!scheduled && stage !== undefined && SCHEDULED_OR_LATER.has(stage)) {
          scheduled = true;
          follow.scheduled += 1;
          toScheduledMs.push(seenAt - sentAt);
        }
        if (stage !== undefined && FINAL.has(stage)) {
          if (stage === 'Completed') {
            follow.completed += 1;
            toCompletedMs.push(seenAt - sentAt);
          } else {
            follow.ended[stage] = (follow.ended[stage] ?? 0) + 1;
          }
          return;
        }
      } catch (error) {
        if (stopFollowing.signal.aborted) break;
        // A failed poll is retried at the next pause: the sample is about the delivery, not the GET.
        if ((error as Error).name !== 'TimeoutError' && (error as Error).name !== 'TypeError') throw error;
      }
    }
    unfinished += 1;
  };

  const send = async (index: number) => {
    const sentAt = performance.now();
    counts.sent += 1;
    counts.inFlight += 1;
    let status: string;
    let deliveryId: string | undefined;
    try {
      const response = await doFetch(`${url}/v1/deliveries`, {
        method: 'POST',
        headers: {
          authorization,
          'content-type': 'application/json',
          'idempotency-key': `load-${runId}-${index}`,
        },
        body: scheduleBody(),
        signal: AbortSignal.timeout(args.timeoutSeconds * 1000),
      });
      const text = await response.text();
      postMs.push(performance.now() - sentAt);
      status = String(response.status);
      if (response.ok && followed.has(index)) {
        deliveryId = (JSON.parse(text) as { deliveryId?: string }).deliveryId;
      }
    } catch (error) {
      status = (error as Error).name === 'TimeoutError' ? 'timeout' : 'error';
    }
    counts.inFlight -= 1;
    counts.answered[status] = (counts.answered[status] ?? 0) + 1;
    if (deliveryId !== undefined) track(followDelivery(deliveryId, sentAt));
  };

  io.stdout(
    `load: ${offsets.length} schedule requests at ${args.rate}/s over ${args.durationSeconds} s to ${url}; following ${followed.size}\n`,
  );
  const t0 = performance.now() + 50;
  const progress = setInterval(() => {
    counts.elapsedSeconds = (performance.now() - t0) / 1000;
    io.stdout(`${formatProgress(counts, follow)}\n`);
  }, 1000);
  try {
    let next = 0;
    while (next < offsets.length) {
      const now = performance.now();
      // Every request whose slot has come is sent now, without waiting for any answer.
      while (next < offsets.length && t0 + (offsets[next] ?? 0) <= now) {
        const lag = lagMs(t0 + (offsets[next] ?? 0), now);
        maxLagMs = Math.max(maxLagMs, lag);
        if (lag > LATE_AFTER_MS) counts.late += 1;
        track(send(next));
        next += 1;
      }
      if (next < offsets.length) await sleep(Math.max(0, t0 + (offsets[next] ?? 0) - performance.now()));
    }
    const waitUntil = sleep(args.waitSeconds * 1000, 'timeout' as const);
    while (pending.size > 0) {
      if ((await Promise.race([Promise.race(pending).then(() => 'done' as const), waitUntil])) === 'timeout')
        break;
    }
    stopFollowing.abort();
    await Promise.allSettled(pending);
  } finally {
    clearInterval(progress);
  }
  counts.elapsedSeconds = (performance.now() - t0) / 1000;
  io.stdout(`${formatProgress(counts, follow)}\n\n`);
  io.stdout(
    formatReport({
      rate: args.rate,
      durationSeconds: args.durationSeconds,
      url,
      counts,
      maxLagMs,
      lateAfterMs: LATE_AFTER_MS,
      postMs,
      toScheduledMs,
      toCompletedMs,
      follow,
      unfinished,
      waitSeconds: args.waitSeconds,
    }),
  );

  if (admin && (args.cost || args.metersFile !== undefined)) {
    const meters = await admin.request<Meters>('GET', '/meters');
    if (args.metersFile !== undefined) {
      const file = resolve(io.cwd, args.metersFile);
      await writeFile(file, `${JSON.stringify(meters, null, 2)}\n`);
      io.stdout(`meters written to ${file}\n`);
    }
    if (args.cost) {
      io.stdout(
        `\nSince ${meters.since}, at ${PRICES_US_EAST_1.region} list prices of ${PRICES_US_EAST_1.retrieved}:\n`,
      );
      io.stdout(
        formatCostTable(priceMeters(meters, PRICES_US_EAST_1), {
          count: deliveriesOf(meters),
          noun: 'deliveries',
        }),
      );
    }
  }
  const accepted = Object.entries(counts.answered)
    .filter(([status]) => status.startsWith('2'))
    .reduce((total, [, count]) => total + count, 0);
  return accepted > 0 ? 0 : 1;
}

/** Runs `npm run load`; resolves with the exit code. */
export function runLoadCli(argv: readonly string[], io: CliIo): Promise<number> {
  return runCli('load', USAGE, argv, io, async () => {
    const args = parseLoadArgs(argv);
    if (args === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    return run(args, io);
  });
}

if (isMainModule(import.meta.url)) runAsMain(runLoadCli);
