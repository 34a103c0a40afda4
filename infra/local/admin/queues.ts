// Every queue of the template as an operator's table shows it (`GET /_local/queues`): messages visible,
// delayed and in flight, the age of the oldest one (SQS's ApproximateAgeOfOldestMessage metric), and
// which queues are dead-letter queues. Read without receiving anything, so no consumer is disturbed and
// no receive count grows: from the embedded SQS emulator's inspection of its store.
import type { RuleInfo } from '../eventbridge/index.ts';
import type { AdminRoutes } from './routes.ts';
import { nameOfArn, type QueueInfo } from './topology.ts';

/** The messages of a queue as its store holds them; only their send times are read. */
export interface QueueContents {
  ready: { sentTimestamp: number }[];
  delayed: { sentTimestamp: number }[];
  inflight: { message: { sentTimestamp: number } }[];
}

/** Reads a queue's contents by name; undefined when the store has no such queue. */
export type QueueInspector = (name: string) => Promise<QueueContents | undefined>;

export interface QueueState {
  name: string;
  arn: string;
  fifo: boolean;
  visible: number;
  delayed: number;
  inFlight: number;
  /** Seconds since the oldest message (in any state) was sent; absent when the queue is empty. */
  oldestAgeSeconds?: number;
  /** Where the queue's redrive policy sends a message, and after how many receives. */
  deadLetterQueue?: string;
  maxReceiveCount?: number;
  /** Whether a redrive policy or a rule target sends failed messages here. */
  isDeadLetterQueue: boolean;
}

export interface QueueOverviewOptions {
  queues: Map<string, QueueInfo>;
  rules(): RuleInfo[];
  inspect: QueueInspector;
  now?: () => number;
}

/** The inspector of the embedded SQS emulator listening at `endpoint` (its `/_fauxqs/queues/<name>`). */
export function emulatorInspector(endpoint: string): QueueInspector {
  return async (name) => {
    const response = await fetch(`${endpoint}/_fauxqs/queues/${encodeURIComponent(name)}`);
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) throw new Error(`the SQS emulator answered ${response.status} for queue ${name}`);
    const inspected = (await response.json()) as { messages: QueueContents };
    return inspected.messages;
  };
}

/** The ARNs of the queues that collect failures: redrive targets and rule targets' dead-letter queues. */
export function deadLetterArns(queues: Iterable<QueueInfo>, rules: RuleInfo[]): Set<string> {
  const arns = new Set<string>();
  for (const queue of queues) if (queue.redrive) arns.add(queue.redrive.deadLetterArn);
  for (const rule of rules) {
    for (const target of rule.targets) {
      if (target.DeadLetterConfig?.Arn) arns.add(target.DeadLetterConfig.Arn);
    }
  }
  return arns;
}

/** Summarizes one queue's contents at `now` (epoch ms). */
export function summarize(
  queue: QueueInfo,
  contents: QueueContents,
  isDeadLetterQueue: boolean,
  now: number,
): QueueState {
  const sent = [
    ...contents.ready.map((message) => message.sentTimestamp),
    ...contents.delayed.map((message) => message.sentTimestamp),
    ...contents.inflight.map((entry) => entry.message.sentTimestamp),
  ].filter((time) => Number.isFinite(time));
  const state: QueueState = {
    name: queue.name,
    arn: queue.arn,
    fifo: queue.fifo,
    visible: contents.ready.length,
    delayed: contents.delayed.length,
    inFlight: contents.inflight.length,
    isDeadLetterQueue,
  };
  if (sent.length > 0) state.oldestAgeSeconds = Math.max(0, Math.floor((now - Math.min(...sent)) / 1000));
  if (queue.redrive) {
    state.deadLetterQueue = nameOfArn(queue.redrive.deadLetterArn);
    state.maxReceiveCount = queue.redrive.maxReceiveCount;
  }
  return state;
}

/** Lists every queue of the stack with its state, sorted by name. */
export function createQueueOverview(options: QueueOverviewOptions): { list(): Promise<QueueState[]> } {
  const now = options.now ?? Date.now;
  return {
    async list() {
      const dead = deadLetterArns(options.queues.values(), options.rules());
      const queues = [...options.queues.values()].sort((a, b) => a.name.localeCompare(b.name));
      const states = await Promise.all(
        queues.map(async (queue) => {
          const contents = (await options.inspect(queue.name)) ?? { ready: [], delayed: [], inflight: [] };
          return summarize(queue, contents, dead.has(queue.arn), now());
        }),
      );
      return states;
    },
  };
}

/** `GET /_local/queues`: every queue with its depth and the age of its oldest message. */
export function queueRoutes(overview: { list(): Promise<QueueState[]> }): AdminRoutes {
  return {
    lines: [
      'GET    /_local/queues                      every queue: depth, in flight, age of the oldest message',
    ],
    async route({ method, path }) {
      if (path !== '/queues' || method !== 'GET') return undefined;
      return { status: 200, body: { queues: await overview.list() } };
    },
  };
}
