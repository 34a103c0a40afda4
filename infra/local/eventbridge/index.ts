// The local cloud's EventBridge: one object for the edge endpoint, for tools and for start and stop.
import type { Meter } from '../metering/meter.ts';
import type { CallerIdentity, LambdaInvoker, LocalLogger, QueueSender, ResolvedStack } from '../model.ts';
import { type ApiResponse, createApiHandler } from './api.ts';
import { LocalEventBridge } from './bus.ts';
import { testEventPattern } from './pattern.ts';
import type {
  BusInfo,
  DeliveryListener,
  EventHistory,
  PutEventsRequestEntry,
  PutEventsResult,
  RuleInfo,
} from './types.ts';

export { compilePattern, InvalidEventPatternError, matchesPattern } from './pattern.ts';
export { nextFireTime, parseSchedule } from './schedule.ts';
export type {
  ArchiveInfo,
  BusInfo,
  DeliveryListener,
  DeliveryReport,
  EventEnvelope,
  EventHistory,
  PutEventsRequestEntry,
  PutEventsResult,
  PutEventsResultEntry,
  ReplayInfo,
  RuleInfo,
  TargetConfig,
  TargetHistory,
  TargetOutcome,
} from './types.ts';

export interface EventBridgeOptions {
  stack: ResolvedStack;
  lambda: LambdaInvoker;
  queues: QueueSender;
  log: LocalLogger;
  /** Folder for the archives' JSON-lines files, e.g. `.local/eventbridge`. */
  stateDir: string;
  /** First retry delay of a failed target delivery (default 1000 ms); tests make it small. */
  retryBaseDelayMs?: number;
  now?: () => Date;
  /** Counts accepted PutEvents entries for the bill (metering/). */
  meter?: Pick<Meter, 'eventPut'>;
}

export interface LocalEventBridgeService {
  /** Answers one JSON-protocol request; `operation` is what follows `AWSEvents.` in `X-Amz-Target`. */
  handle(operation: string, body: unknown, caller: CallerIdentity): Promise<ApiResponse>;
  /** PutEvents without HTTP, as an administrator. */
  putEvents(entries: PutEventsRequestEntry[]): Promise<PutEventsResult>;
  /** Validates a pattern (throws InvalidEventPatternError) and tests an event against it. */
  testEventPattern(pattern: unknown, event: unknown): boolean;
  /** Begins scheduled rules. */
  start(): void;
  /** Stops scheduled rules and waits for the deliveries under way. */
  stop(): Promise<void>;
  /** Listens to routing and delivery reports; returns the function that stops listening. */
  subscribe(listener: DeliveryListener): () => void;
  /** What happened to an event id: rules matched, targets invoked and their outcomes (replays included). */
  history(eventId: string): EventHistory[];
  /** Resolves when no delivery, retry or replay is under way. */
  settled(): Promise<void>;
  /** The template's rules with their targets. */
  rules(): RuleInfo[];
  /** The buses: `default` and the template's. */
  buses(): BusInfo[];
}

/** Builds the local EventBridge for a resolved stack. */
export function createEventBridge(options: EventBridgeOptions): LocalEventBridgeService {
  const bridge = new LocalEventBridge(options);
  const handle = createApiHandler(bridge, options.log);
  return {
    handle,
    putEvents: (entries) => bridge.putEvents(entries),
    testEventPattern,
    start: () => bridge.start(),
    stop: () => bridge.stop(),
    subscribe: (listener) => bridge.subscribe(listener),
    history: (eventId) => bridge.history(eventId),
    settled: () => bridge.settled(),
    rules: () => bridge.rules(),
    buses: () => bridge.buses(),
  };
}
