import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FunctionFault } from '../../infra/local/lambda/host.ts';
import { type ChaosCloud, startChaosCloud } from './chaos-cloud.ts';
import {
  type AbortedRecord,
  type ArchivedEvent,
  type CircuitChange,
  checkInvariants,
  type DoubleAssignment,
  deliveriesById,
  type Invariant,
  type Observations,
  percentile,
  sharedDrones,
  TERMINAL_STAGES,
} from './invariants.ts';
import { ACTIVE_ACCOUNTS, planDeliveries, runClients, SUSPENDED_ACCOUNT, type Submission } from './load.ts';

// The chaos run: the whole system in a local cloud of its own, under concurrent load with
// duplicate submissions, while faults are injected (errors and latency in the Drone and Package
// services, an Accounts outage long enough to open the workflow's circuit, duplicate SQS
// deliveries, workflow invocations killed midway); then, faults removed, it waits for the system
// to settle and checks that nothing was lost, orphaned or done twice.

export interface ChaosOptions {
  /** Deliveries to plan (each one a distinct idempotency key). */
  deliveries: number;
  /** Clients submitting at once. */
  concurrency: number;
  /** Seed of the load's mix (default 7). */
  seed?: number;
  /** Share submitted twice with the same key and body (default 0.15). */
  duplicateShare?: number;
  /** Share for the suspended account (default 0.08) and with an overweight package (default 0.07). */
  suspendedShare?: number;
  overweightShare?: number;
  /** How long a client waits for its delivery to end before submitting its next one (default 10 s). */
  holdMs?: number;
  /** Errors and latency injected into the Drone Management and Package functions (default 0.3, 300 ms). */
  errorRate?: number;
  latencyMs?: number;
  /** The Accounts outage: when it starts after the load does, and how long it lasts (default 8 s, 25 s). */
  outageStartMs?: number;
  outageMs?: number;
  /** Share of SQS records delivered twice (default 0.2). */
  duplicateDeliveryRate?: number;
  /** Share of workflow invocations killed, and how far into them (default 0.1, 900 ms). */
  abortRate?: number;
  abortAfterMs?: number;
  /**
   * Visibility timeout given to `delivery-requests` for the run (default 40 s; the template's is
   * 180 s): a killed invocation's batch comes back only when it expires.
   */
  requestsVisibilitySeconds?: number;
  /**
   * How long at most to wait for everything to settle once the faults are removed (default 600 s).
   * The wait ends sooner when nothing has settled for `stallMs`: on a busy machine the drones' booked
   * flights run late and a backlog takes minutes to fly, which is progress, not a stuck delivery.
   */
  settleTimeoutMs?: number;
  /** No delivery reached a terminal stage for this long: the run has stopped settling (default 90 s). */
  stallMs?: number;
  /** Reuse `.local/chaos/cdk.out` if it exists instead of synthesizing (default false). */
  reuseSynth?: boolean;
  /** Keep the local cloud's state folder (tables, logs, archive) for inspection (default false). */
  keepState?: boolean;
  /** Progress lines (default: none). */
  progress?: (line: string) => void;
}

export interface Percentiles {
  samples: number;
  p50Ms: number | undefined;
  p99Ms: number | undefined;
}

/** What a run injected, observed and concluded. */
export interface ChaosReport {
  startedAt: string;
  durationMs: number;
  options: Omit<ChaosOptions, 'progress'>;
  injected: string[];
  counts: {
    planned: number;
    accepted: number;
    refused: number;
    submittedTwice: number;
    byStage: Record<string, number>;
    byReason: Record<string, number>;
  };
  /** Time from the client's POST to the delivery's `DeliveryCreated` (it reached `Scheduled`). */
  scheduling: Percentiles & { outsideOutage: Percentiles };
  /**
   * Schedules that waited for a free drone: how many, how many waits they took, how long from the
   * first wait to the decision, and how they ended (a waiting request holds no invocation).
   */
  waits: Percentiles & { requests: number; waits: number; outcomes: Record<string, number> };
  aborts: { invocations: number; records: number; midWorkflow: number; stepsAtAbort: Record<string, number> };
  settled: boolean;
  settleMs: number;
  invariants: Invariant[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Watches the Delivery and Drone tables once a second while the run goes on. */
class Watcher {
  stages = new Map<string, string>();
  samples = 0;
  doubleAssignments: DoubleAssignment[] = [];
  private previousConflicts = new Set<string>();
  private readonly reported = new Set<string>();
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly chaos: ChaosCloud) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.sample();
      } catch {
        // A failed read is just a missed sample.
      }
      await sleep(1_000);
    }
  }

  async sample(): Promise<void> {
    const [deliveries, drones] = await Promise.all([
      this.chaos.scanTable('StatefulDeliveryTable'),
      this.chaos.scanTable('StatefulDroneTable'),
    ]);
    for (const [id, item] of deliveriesById(deliveries)) this.stages.set(id, String(item.stage));
    this.samples++;
    // A scan is not a snapshot: an assignment deleted and its drone re-assigned during one scan can
    // show both. A real double assignment lasts a flight, so it must show in two samples in a row.
    const conflicts = new Set<string>();
    for (const [droneId, ids] of sharedDrones(drones)) {
      const key = `${droneId} ${ids.sort().join('+')}`;
      conflicts.add(key);
      if (this.previousConflicts.has(key) && !this.reported.has(key)) {
        this.reported.add(key);
        this.doubleAssignments.push({ droneId, deliveryIds: ids, seenAt: new Date().toISOString() });
      }
    }
    this.previousConflicts = conflicts;
  }

  isTerminal(deliveryId: string): boolean {
    return TERMINAL_STAGES.has(this.stages.get(deliveryId) ?? '');
  }

  async waitTerminal(deliveryId: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.running && !this.isTerminal(deliveryId) && Date.now() < deadline) await sleep(250);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** The JSON objects of a function's log lines that contain `marker` (Powertools writes one per line). */
async function logObjects(file: string, marker: string): Promise<Record<string, unknown>[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').flatMap((line) => {
    if (!line.includes(marker)) return [];
    const start = line.indexOf('{');
    if (start < 0) return [];
    try {
      return [JSON.parse(line.slice(start)) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

async function archivedEvents(stateDir: string): Promise<ArchivedEvent[]> {
  const dir = path.join(stateDir, 'eventbridge');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((file) =>
    file.startsWith('archive-'),
  );
  const events: ArchivedEvent[] = [];
  for (const file of files) {
    for (const line of (await readFile(path.join(dir, file), 'utf8')).split('\n')) {
      if (line.trim()) events.push(JSON.parse(line) as ArchivedEvent);
    }
  }
  return events;
}

function tally(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** Runs the chaos suite in a local cloud of its own and reports each invariant. */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const o = {
    seed: 7,
    duplicateShare: 0.15,
    suspendedShare: 0.08,
    overweightShare: 0.07,
    holdMs: 10_000,
    errorRate: 0.3,
    latencyMs: 300,
    outageStartMs: 8_000,
    outageMs: 25_000,
    duplicateDeliveryRate: 0.2,
    abortRate: 0.1,
    abortAfterMs: 900,
    requestsVisibilitySeconds: 40,
    settleTimeoutMs: 600_000,
    stallMs: 150_000,
    reuseSynth: false,
    keepState: false,
    ...options,
  };
  const progress = options.progress ?? (() => {});
  const startedAt = new Date();
  progress('synthesizing the app and starting its local cloud');
  const chaos = await startChaosCloud({ reuseSynth: o.reuseSynth, keepState: o.keepState });
  if (o.keepState) progress(`state folder: ${chaos.stateDir}`);
  try {
    return await runAgainst(chaos, o, progress, startedAt);
  } finally {
    progress('stopping the local cloud');
    await chaos.stop();
  }
}

async function runAgainst(
  chaos: ChaosCloud,
  o: Required<Omit<ChaosOptions, 'progress'>>,
  progress: (line: string) => void,
  startedAt: Date,
): Promise<ChaosReport> {
  const { cloud } = chaos;
  const flaky = ['DroneAssignDrone', 'DroneReleaseDrone', 'PackagePutPackage', 'PackageCancelPackage'].map(
    (prefix) => chaos.functionName(prefix),
  );
  const accounts = chaos.functionName('AccountsGetAccount');
  const workflow = chaos.functionName('SchedulerWorkflow');
  const supervisor = chaos.functionName('SchedulerSupervisor');
  const requestsQueue = Object.values(chaos.names.queues).find((queue) =>
    queue.name.endsWith('delivery-requests.fifo'),
  );
  if (!requestsQueue) throw new Error('no delivery-requests queue in the template');
  await cloud.sqs.call('SetQueueAttributes', {
    QueueUrl: requestsQueue.url,
    Attributes: { VisibilityTimeout: String(o.requestsVisibilitySeconds) },
  });

  // Killed invocations: which requests they carried, and how far each one's checkpoint had got.
  // The event source mappings call the host through this property, so wrapping it sees every batch
  // (it only observes: results pass through unchanged).
  const aborted: AbortedRecord[] = [];
  let abortedInvocations = 0;
  const pendingReads: Promise<void>[] = [];
  const host = cloud.lambda;
  const invoke = host.invoke.bind(host);
  host.invoke = async (ref, event, invokeOptions) => {
    const result = await invoke(ref, event, invokeOptions);
    if (!result.ok && result.errorType === 'Runtime.ExitError' && ref.includes(workflow)) {
      abortedInvocations++;
      const at = Date.now();
      const records = (event as { Records?: { body: string }[] }).Records ?? [];
      for (const record of records) {
        const message = JSON.parse(record.body) as {
          deliveryId: string;
          operation: string;
          requestId: string;
        };
        pendingReads.push(
          chaos
            .getItem('StatefulSchedulerTable', {
              pk: `WORKFLOW#${message.deliveryId}`,
              sk: `${message.operation}#${message.requestId}`,
            })
            .then((checkpoint) => {
              aborted.push({
                at,
                deliveryId: message.deliveryId,
                operation: message.operation,
                requestId: message.requestId,
                stepsAtAbort: Object.keys((checkpoint?.steps as object | undefined) ?? {}),
                statusAtAbort: checkpoint?.status as string | undefined,
              });
            }),
        );
      }
    }
    return result;
  };

  const tokens = new Map<string, string>();
  for (const account of [...ACTIVE_ACCOUNTS, SUSPENDED_ACCOUNT])
    tokens.set(account, await chaos.tokenFor(account));
  const runId = startedAt.getTime().toString(36);
  const plans = planDeliveries(
    o.deliveries,
    {
      duplicateShare: o.duplicateShare,
      suspendedShare: o.suspendedShare,
      overweightShare: o.overweightShare,
    },
    o.seed,
    runId,
  );

  const flakyFaults: FunctionFault[] = flaky.map((fn) => ({
    function: fn,
    errorRate: o.errorRate,
    latencyMs: o.latencyMs,
  }));
  // Kills land outside the outage: within it a workflow dies at its first step anyway, and the
  // point is to kill runs that have checkpointed work to resume.
  const baseFaults: FunctionFault[] = [
    ...flakyFaults,
    { function: workflow, abortAfterMs: o.abortAfterMs, abortRate: o.abortRate },
  ];
  const injected = [
    `${Math.round(o.errorRate * 100)}% errors + ${o.latencyMs} ms latency: ${flaky.join(', ')}`,
    `${accounts}: 100% errors for ${o.outageMs / 1000} s, from ${o.outageStartMs / 1000} s into the load`,
    `every SQS record delivered twice for ${Math.round(o.duplicateDeliveryRate * 100)}% of records`,
    `${workflow}: ${Math.round(o.abortRate * 100)}% of invocations killed ${o.abortAfterMs} ms in (Runtime.ExitError), outside the outage`,
    `${Math.round(o.duplicateShare * 100)}% submitted twice (same key and body, half at once); ${Math.round(o.suspendedShare * 100)}% suspended account; ${Math.round(o.overweightShare * 100)}% overweight package`,
    `delivery-requests visibility timeout ${o.requestsVisibilitySeconds} s for the run (template: 180 s)`,
  ];

  const watcher = new Watcher(chaos);
  const loadStartedAt = Date.now();
  cloud.lambda.setFaults(baseFaults);
  cloud.eventSourceMappings.setDuplicateRate(o.duplicateDeliveryRate);
  const outage = { downstream: 'accounts', startedAt: 0, endedAt: 0 };
  const outageDone = (async () => {
    await sleep(o.outageStartMs);
    outage.startedAt = Date.now();
    cloud.lambda.setFaults([...flakyFaults, { function: accounts, errorRate: 1 }]);
    progress(`accounts outage started (${o.outageMs / 1000} s)`);
    await sleep(o.outageMs);
    outage.endedAt = Date.now();
    cloud.lambda.setFaults(baseFaults);
    progress('accounts outage ended');
  })();

  progress(`load: ${o.deliveries} deliveries, ${o.concurrency} clients`);
  let submitted = 0;
  const submissions: Submission[] = await runClients({
    plans,
    concurrency: o.concurrency,
    publicApiUrl: chaos.publicApiUrl,
    tokens,
    holdMs: o.holdMs,
    waitUntilSettled: (id, timeoutMs) => watcher.waitTerminal(id, timeoutMs),
    onSubmitted: () => {
      submitted++;
      if (submitted % 25 === 0) progress(`submitted ${submitted}/${o.deliveries}`);
    },
  });
  await outageDone;
  cloud.lambda.setFaults([]);
  cloud.eventSourceMappings.setDuplicateRate(0);
  const loadMs = Date.now() - loadStartedAt;
  progress(`load done in ${(loadMs / 1000).toFixed(0)} s; faults removed, waiting for the system to settle`);

  const accepted = submissions.flatMap((s) => (s.deliveryId ? [s.deliveryId] : []));
  const settleStartedAt = Date.now();
  let settled = false;
  let depths = { requests: 0, deadLetters: 0, unsettled: 0 };
  let lastOpen = Number.POSITIVE_INFINITY;
  let lastProgressAt = settleStartedAt;
  let reportedAt = settleStartedAt;
  while (Date.now() - settleStartedAt < o.settleTimeoutMs && Date.now() - lastProgressAt < o.stallMs) {
    depths = {
      requests: await chaos.queueDepth('delivery-requests.fifo'),
      deadLetters: await chaos.queueDepth('delivery-requests-dlq.fifo'),
      unsettled: await chaos.queueDepth('delivery-requests-unsettled.fifo'),
    };
    const history = await chaos.queueDepth('history-delivery-events');
    const open = accepted.filter((id) => !watcher.isTerminal(id)).length;
    if (open === 0 && depths.requests === 0 && depths.deadLetters === 0 && history === 0) {
      settled = true;
      break;
    }
    if (open < lastOpen) {
      lastOpen = open;
      lastProgressAt = Date.now();
    }
    if (Date.now() - reportedAt >= 30_000) {
      reportedAt = Date.now();
      progress(`settling: ${open} deliveries not yet terminal, requests queue ${depths.requests}`);
    }
    await sleep(2_000);
  }
  const settleMs = Date.now() - settleStartedAt;
  progress(`${settled ? 'settled' : 'NOT settled'} after ${(settleMs / 1000).toFixed(0)} s`);
  await watcher.sample();
  await watcher.stop();
  await Promise.allSettled(pendingReads);

  const logs = path.join(chaos.stateDir, 'logs');
  const circuit: CircuitChange[] = (
    await logObjects(path.join(logs, `${workflow}.log`), 'circuit state changed')
  ).map((line) => ({
    at: Date.parse(String(line.timestamp)),
    downstream: String(line.downstream),
    state: String(line.circuitState),
  }));
  const deadRequests = (await logObjects(path.join(logs, `${supervisor}.log`), 'deliveryId')).flatMap(
    (line) => (typeof line.deliveryId === 'string' ? [line.deliveryId] : []),
  );
  const [deliveries, packages, drones, scheduler, history, archive] = await Promise.all([
    chaos.scanTable('StatefulDeliveryTable'),
    chaos.scanTable('StatefulPackageTable'),
    chaos.scanTable('StatefulDroneTable'),
    chaos.scanTable('StatefulSchedulerTable'),
    chaos.scanTable('StatefulHistoryTable'),
    archivedEvents(chaos.stateDir),
  ]);
  const observations: Observations = {
    submissions,
    deliveries,
    packages,
    drones,
    scheduler,
    history,
    archive,
    queueDepths: depths,
    droneSamples: watcher.samples,
    doubleAssignments: watcher.doubleAssignments,
    circuit,
    outage,
    deadRequests,
    aborts: { invocations: abortedInvocations, records: aborted },
  };

  const posted = new Map(
    submissions.flatMap((s) => (s.deliveryId ? [[s.deliveryId, s.postedAt] as const] : [])),
  );
  const created = archive.flatMap((entry) => {
    const at = posted.get(String(entry.event.detail?.deliveryId));
    return entry.event['detail-type'] === 'DeliveryCreated' && at !== undefined
      ? [{ postedAt: at, ms: Date.parse(entry.archivedAt) - at }]
      : [];
  });
  const scheduling = created.map((sample) => sample.ms).sort((a, b) => a - b);
  // Requests posted while Accounts was down wait for its recovery: measured apart.
  const outsideOutage = created
    .filter((sample) => sample.postedAt + sample.ms < outage.startedAt || sample.postedAt > outage.endedAt)
    .map((sample) => sample.ms)
    .sort((a, b) => a - b);
  const finalDeliveries = [...deliveriesById(deliveries).values()];
  const waited = scheduler.filter(
    (item) => String(item.sk ?? '').startsWith('schedule#') && typeof item.wait === 'object' && item.wait,
  );
  const waitedMs = waited
    .map(
      (item) =>
        Date.parse(String(item.updatedAt)) - Date.parse(String((item.wait as { since: string }).since)),
    )
    .sort((a, b) => a - b);
  return {
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    options: o,
    injected,
    counts: {
      planned: plans.length,
      accepted: new Set(accepted).size,
      refused: submissions.filter((s) => !s.deliveryId).length,
      submittedTwice: submissions.filter((s) => s.answers.length > 1).length,
      byStage: tally(finalDeliveries.map((item) => String(item.stage))),
      byReason: tally(
        finalDeliveries.filter((item) => item.stage === 'Failed').map((item) => String(item.failureReason)),
      ),
    },
    scheduling: {
      samples: scheduling.length,
      p50Ms: percentile(scheduling, 0.5),
      p99Ms: percentile(scheduling, 0.99),
      outsideOutage: {
        samples: outsideOutage.length,
        p50Ms: percentile(outsideOutage, 0.5),
        p99Ms: percentile(outsideOutage, 0.99),
      },
    },
    waits: {
      requests: waited.length,
      waits: waited.reduce((sum, item) => sum + Number((item.wait as { attempts: number }).attempts), 0),
      outcomes: tally(
        waited.map((item) => `${String(item.status)}${item.outcome ? ` (${String(item.outcome)})` : ''}`),
      ),
      samples: waitedMs.length,
      p50Ms: percentile(waitedMs, 0.5),
      p99Ms: percentile(waitedMs, 0.99),
    },
    aborts: {
      invocations: abortedInvocations,
      records: aborted.length,
      midWorkflow: aborted.filter((r) => r.stepsAtAbort.length > 0 && r.statusAtAbort === 'Running').length,
      stepsAtAbort: tally(aborted.map((r) => (r.stepsAtAbort.length ? r.stepsAtAbort.join('+') : 'none'))),
    },
    settled,
    settleMs,
    invariants: checkInvariants(observations),
  };
}
