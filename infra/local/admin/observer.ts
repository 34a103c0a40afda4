// Watches the local cloud's deliveries for the tester's tools: EventBridge's routing reports, and what
// each SQS consumer did with the queue messages that carry an event. From both it tells, per event,
// which rules matched, what each target did, and what the consumers behind queue targets did.
import type { DeliveryReport, EventHistory, RuleInfo } from '../eventbridge/index.ts';
import type { BatchObservation } from '../lambda/event-source-mappings.ts';
import { findTarget, passesEventUnchanged, type QueueInfo, serviceOf } from './topology.ts';

/** One invocation of a consumer for one queue message. */
export interface ConsumerAttempt {
  at: string;
  functionName: string;
  messageId: string;
  receiveCount: number;
  ok: boolean;
  errorType?: string;
  errorMessage?: string;
  /** A delivery added by the duplicate-delivery fault. */
  duplicate: boolean;
}

export type ConsumerStatus = 'pending' | 'succeeded' | 'retrying' | 'dead-lettered';

/** What the consumers of a queue did with the message an event became. */
export interface ConsumerOutcome {
  queueArn: string;
  queueName: string;
  functionNames: string[];
  /** `dead-lettered`: the last receive allowed by the queue's redrive policy failed, so SQS moves it. */
  status: ConsumerStatus;
  /** Failed receives before the outcome. */
  failures: number;
  maxReceiveCount?: number;
  deadLetterArn?: string;
  lastError?: string;
  attempts: ConsumerAttempt[];
}

export interface TargetOutcomeReport {
  ruleName: string;
  targetId: string;
  targetArn: string;
  status: 'pending' | 'delivered' | 'dead-lettered' | 'dropped';
  retries: number;
  deadLetterArn?: string;
  errorCode?: string;
  errorMessage?: string;
  consumer?: ConsumerOutcome;
}

/** Everything known about one event's delivery. */
export interface EventOutcome {
  eventId: string;
  source: string;
  detailType: string;
  eventBusName: string;
  replayName?: string;
  receivedAt: string;
  matchedRules: string[];
  targets: TargetOutcomeReport[];
  /** Every target and every consumer reached an end. */
  settled: boolean;
  /** Some target or consumer ended in a dead-letter queue or was dropped. */
  failed: boolean;
}

/** An EventBridge report with the time it was heard. */
export interface TimedReport {
  at: string;
  report: DeliveryReport;
}

/** One record of a consumer's batch, with its outcome, for the trace view. */
export interface ConsumedRecord {
  at: string;
  functionName: string;
  queueArn: string;
  messageId: string;
  receiveCount: number;
  ok: boolean;
  errorType?: string;
  errorMessage?: string;
  duplicate: boolean;
  body: string;
  attributes: Record<string, string>;
}

export interface DeliveryObserverOptions {
  events: {
    subscribe(listener: (report: DeliveryReport) => void): () => void;
    history(eventId: string): EventHistory[];
    rules(): RuleInfo[];
  };
  /** The stack's queues by ARN. */
  queues: Map<string, QueueInfo>;
  /** The event source mappings (which functions consume which queue). */
  consumers(): { functionName: string; eventSourceArn: string; enabled: boolean }[];
  /** How many reports and consumed records are kept (default 20 000 each). */
  limit?: number;
}

export interface DeliveryObserver {
  /** Give to the event source mappings' `subscribe`. */
  onBatch(observation: BatchObservation): void;
  /** What became of an event (of its replay, with `replayName`); undefined when the bus never saw it. */
  outcome(eventId: string, replayName?: string): EventOutcome | undefined;
  /** Waits until every event settled or the timeout passed; the outcomes as they stand then. */
  waitFor(
    eventIds: string[],
    options: { timeoutMs: number; replayName?: string },
  ): Promise<{ settled: boolean; events: (EventOutcome | { eventId: string; unknown: true })[] }>;
  /** The ids of the events a replay routed, in the order it routed them. */
  replayedEventIds(replayName: string): string[];
  reports(): TimedReport[];
  consumedRecords(): ConsumedRecord[];
  /** The last failed processing of a queue message, if this process saw one. */
  lastFailure(messageId: string): ConsumedRecord | undefined;
  /** Stops listening to EventBridge. */
  close(): void;
}

const DEFAULT_LIMIT = 20_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The event id (and replay name) of a queue message whose body is an EventBridge envelope. */
export function envelopeKeyOf(body: string): { eventId: string; replayName?: string } | undefined {
  if (!body.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed)) return undefined;
  const { id, source } = parsed;
  if (typeof id !== 'string' || typeof source !== 'string' || typeof parsed['detail-type'] !== 'string') {
    return undefined;
  }
  const replayName = parsed['replay-name'];
  return typeof replayName === 'string' ? { eventId: id, replayName } : { eventId: id };
}

function keyOf(eventId: string, replayName: string | undefined): string {
  return `${eventId}\u0000${replayName ?? ''}`;
}

/** Starts observing an EventBridge service; wire `onBatch` to the event source mappings. */
export function createDeliveryObserver(options: DeliveryObserverOptions): DeliveryObserver {
  const limit = options.limit ?? DEFAULT_LIMIT;
  const reports: TimedReport[] = [];
  const consumed: ConsumedRecord[] = [];
  // event key → queue ARN → attempts, oldest key first so the map can be trimmed.
  const attempts = new Map<string, Map<string, ConsumerAttempt[]>>();
  const replays = new Map<string, string[]>();
  const waiters = new Set<() => void>();

  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const push = <T>(list: T[], item: T) => {
    list.push(item);
    if (list.length > limit) list.splice(0, list.length - limit);
  };

  const unsubscribe = options.events.subscribe((report) => {
    push(reports, { at: new Date().toISOString(), report });
    if (report.kind === 'matched' && report.replayName !== undefined) {
      const ids = replays.get(report.replayName) ?? [];
      ids.push(report.eventId);
      replays.set(report.replayName, ids);
    }
    wake();
  });

  function onBatch(observation: BatchObservation): void {
    const failed = new Set(observation.failedMessageIds);
    const at = observation.finishedAt.toISOString();
    const error = observation.result.ok ? undefined : observation.result;
    for (const record of observation.records) {
      const ok = !failed.has(record.messageId);
      const attempt: ConsumerAttempt = {
        at,
        functionName: observation.functionName,
        messageId: record.messageId,
        receiveCount: record.receiveCount,
        ok,
        duplicate: observation.duplicate,
      };
      if (!ok) {
        attempt.errorType = error?.errorType ?? 'BatchItemFailure';
        attempt.errorMessage = error?.errorMessage ?? 'reported as failed in the partial batch response';
      }
      const attributes: Record<string, string> = {};
      for (const [name, value] of Object.entries(record.messageAttributes)) {
        if (value.stringValue !== undefined) attributes[name] = value.stringValue;
      }
      push(consumed, { ...attempt, queueArn: observation.eventSourceArn, body: record.body, attributes });
      const envelope = envelopeKeyOf(record.body);
      if (!envelope) continue;
      const key = keyOf(envelope.eventId, envelope.replayName);
      let byQueue = attempts.get(key);
      if (!byQueue) {
        byQueue = new Map();
        attempts.set(key, byQueue);
        if (attempts.size > limit) {
          const oldest = attempts.keys().next().value;
          if (oldest !== undefined) attempts.delete(oldest);
        }
      }
      const list = byQueue.get(observation.eventSourceArn) ?? [];
      list.push(attempt);
      byQueue.set(observation.eventSourceArn, list);
    }
    wake();
  }

  function consumerOutcome(queueArn: string, eventKey: string): ConsumerOutcome | undefined {
    const functionNames = options
      .consumers()
      .filter((mapping) => mapping.enabled && mapping.eventSourceArn === queueArn)
      .map((mapping) => mapping.functionName);
    if (functionNames.length === 0) return undefined;
    const queue = options.queues.get(queueArn);
    const all = attempts.get(eventKey)?.get(queueArn) ?? [];
    // A replayed archive may deliver the same event to a queue again: the latest message tells.
    const lastMessageId = all.filter((attempt) => !attempt.duplicate).at(-1)?.messageId;
    const own = all.filter((attempt) => attempt.messageId === lastMessageId && !attempt.duplicate);
    const failures = own.filter((attempt) => !attempt.ok);
    const outcome: ConsumerOutcome = {
      queueArn,
      queueName: queue?.name ?? queueArn,
      functionNames,
      status: 'pending',
      failures: failures.length,
      attempts: all,
    };
    if (queue?.redrive) {
      outcome.maxReceiveCount = queue.redrive.maxReceiveCount;
      outcome.deadLetterArn = queue.redrive.deadLetterArn;
    }
    const lastFailure = failures.at(-1);
    if (lastFailure) outcome.lastError = `${lastFailure.errorType}: ${lastFailure.errorMessage}`;
    const last = own.at(-1);
    if (!last) return outcome;
    if (own.some((attempt) => attempt.ok)) outcome.status = 'succeeded';
    else if (queue?.redrive && last.receiveCount >= queue.redrive.maxReceiveCount)
      outcome.status = 'dead-lettered';
    else outcome.status = 'retrying';
    return outcome;
  }

  function outcome(eventId: string, replayName?: string): EventOutcome | undefined {
    const entries = options.events.history(eventId);
    const entry =
      replayName === undefined
        ? (entries.find((candidate) => candidate.replayName === undefined) ?? entries[0])
        : entries.find((candidate) => candidate.replayName === replayName);
    if (!entry) return undefined;
    const rules = options.events.rules();
    const eventKey = keyOf(eventId, entry.replayName);
    let settled = true;
    let failed = false;
    const targets = entry.targets.map((target) => {
      const report: TargetOutcomeReport = {
        ruleName: target.ruleName,
        targetId: target.targetId,
        targetArn: target.targetArn,
        status: target.status,
        retries: target.retries,
      };
      if (target.deadLetterArn !== undefined) report.deadLetterArn = target.deadLetterArn;
      if (target.errorCode !== undefined) report.errorCode = target.errorCode;
      if (target.errorMessage !== undefined) report.errorMessage = target.errorMessage;
      if (target.status === 'pending') settled = false;
      if (target.status === 'dead-lettered' || target.status === 'dropped') failed = true;
      const traceable =
        serviceOf(target.targetArn) === 'sqs' &&
        passesEventUnchanged(findTarget(rules, target.ruleName, target.targetId));
      if (target.status === 'delivered' && traceable) {
        const consumer = consumerOutcome(target.targetArn, eventKey);
        if (consumer) {
          report.consumer = consumer;
          if (consumer.status === 'pending' || consumer.status === 'retrying') settled = false;
          if (consumer.status === 'dead-lettered') failed = true;
        }
      }
      return report;
    });
    const result: EventOutcome = {
      eventId,
      source: entry.event.source,
      detailType: entry.event['detail-type'],
      eventBusName: entry.eventBusName,
      receivedAt: entry.receivedAt,
      matchedRules: entry.matchedRules.map((rule) => rule.name),
      targets,
      settled,
      failed,
    };
    if (entry.replayName !== undefined) result.replayName = entry.replayName;
    return result;
  }

  async function waitFor(eventIds: string[], waitOptions: { timeoutMs: number; replayName?: string }) {
    const deadline = Date.now() + waitOptions.timeoutMs;
    for (;;) {
      const events = eventIds.map(
        (eventId) => outcome(eventId, waitOptions.replayName) ?? { eventId, unknown: true as const },
      );
      const settled = events.every((event) => 'settled' in event && event.settled);
      const remaining = deadline - Date.now();
      if (settled || remaining <= 0) return { settled, events };
      // Woken by any report or batch; the timer also covers changes no listener announces.
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(remaining, 250));
        waiters.add(done);
      });
    }
  }

  return {
    onBatch,
    outcome,
    waitFor,
    replayedEventIds: (replayName) => [...new Set(replays.get(replayName) ?? [])],
    reports: () => [...reports],
    consumedRecords: () => [...consumed],
    lastFailure: (messageId) => consumed.findLast((record) => record.messageId === messageId && !record.ok),
    close: unsubscribe,
  };
}
