// The local EventBridge: the buses, rules and archives a resolved template declares, event routing to
// SQS and Lambda targets with AWS's retry policy and dead-letter queues, scheduled rules, archive and
// replay, and a delivery history that tools can observe.
//
// An accepted event is a promise: each target delivery it starts is written to a journal under the
// state folder before PutEvents answers, with its attempts and next retry as they happen, and a
// start resumes what the last run left (docs/architecture.md, "the local cloud").
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { type Journal, JournalFileError, openJournal } from '../durability/journal.ts';
import type { CallerIdentity, LambdaInvoker, LocalLogger, QueueSender, ResolvedStack } from '../model.ts';
import { ArchiveLog } from './archive.ts';
import { isAllowed } from './iam.ts';
import { renderTargetInput, type TargetInputConfig } from './input.ts';
import { type CompiledPattern, compilePattern, matchesPattern } from './pattern.ts';
import { nextFireTime, parseSchedule, type Schedule } from './schedule.ts';

/** An error answered in AWS's JSON error shape: `{"__type": type, "message": message}`. */
export class EventBridgeApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

export interface EventEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
  'replay-name'?: string;
  [key: string]: unknown;
}

export interface PutEventsRequestEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  Resources?: unknown;
  Time?: unknown;
  EventBusName?: unknown;
  TraceHeader?: unknown;
}

export interface PutEventsResultEntry {
  EventId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

export interface PutEventsResult {
  FailedEntryCount: number;
  Entries: PutEventsResultEntry[];
}

export interface TargetConfig extends TargetInputConfig {
  Id: string;
  Arn: string;
  RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
  DeadLetterConfig?: { Arn?: string };
  SqsParameters?: { MessageGroupId?: string };
  [key: string]: unknown;
}

export interface BusInfo {
  name: string;
  arn: string;
}

export interface RuleInfo {
  name: string;
  arn: string;
  eventBusName: string;
  state: 'ENABLED' | 'DISABLED';
  description?: string;
  /** The pattern as AWS returns it: JSON text. */
  eventPattern?: string;
  scheduleExpression?: string;
  targets: TargetConfig[];
}

interface Rule extends RuleInfo {
  pattern?: CompiledPattern;
  schedule?: Schedule;
}

export interface ArchiveInfo {
  name: string;
  arn: string;
  sourceArn: string;
  description?: string;
  eventPattern?: string;
  retentionDays: number;
  eventCount: number;
  sizeBytes: number;
  creationTime: Date;
}

interface Archive {
  name: string;
  arn: string;
  sourceArn: string;
  description?: string;
  eventPattern?: string;
  pattern?: CompiledPattern;
  retentionDays: number;
  creationTime: Date;
  log: ArchiveLog;
}

export type ReplayStateName = 'STARTING' | 'RUNNING' | 'COMPLETED' | 'FAILED';

export interface ReplayInfo {
  name: string;
  arn: string;
  description?: string;
  archiveArn: string;
  destination: { Arn: string; FilterArns?: string[] };
  state: ReplayStateName;
  stateReason?: string;
  eventStartTime: Date;
  eventEndTime: Date;
  replayStartTime: Date;
  replayEndTime?: Date;
  eventLastReplayedTime?: Date;
}

export interface StartReplayInput {
  ReplayName: string;
  Description?: string;
  EventSourceArn: string;
  EventStartTime: Date;
  EventEndTime: Date;
  Destination: { Arn: string; FilterArns?: string[] };
}

export type TargetOutcome = 'delivered' | 'retrying' | 'dead-lettered' | 'dropped';

export interface TargetHistory {
  ruleName: string;
  ruleArn: string;
  targetId: string;
  targetArn: string;
  status: 'pending' | Exclude<TargetOutcome, 'retrying'>;
  attempts: number;
  /** Attempts after the first. */
  retries: number;
  deadLetterArn?: string;
  errorCode?: string;
  errorMessage?: string;
}

export interface EventHistory {
  eventId: string;
  eventBusName: string;
  receivedAt: string;
  replayName?: string;
  event: EventEnvelope;
  matchedRules: { name: string; arn: string }[];
  targets: TargetHistory[];
}

/** What `subscribe` listeners hear: the rules an event matched, then each target's progress and outcome. */
export type DeliveryReport =
  | {
      kind: 'matched';
      eventId: string;
      eventBusName: string;
      replayName?: string;
      event: EventEnvelope;
      matchedRules: { name: string; arn: string }[];
    }
  | {
      kind: 'target';
      eventId: string;
      outcome: TargetOutcome;
      ruleName: string;
      ruleArn: string;
      targetId: string;
      targetArn: string;
      retries: number;
      deadLetterArn?: string;
      errorCode?: string;
      errorMessage?: string;
    };

export type DeliveryListener = (report: DeliveryReport) => void;

export interface LocalEventBridgeOptions {
  stack: ResolvedStack;
  lambda: LambdaInvoker;
  queues: QueueSender;
  log: LocalLogger;
  /** Folder of the archives' JSON-lines files and of the journal of pending target deliveries. */
  stateDir: string;
  /** First retry delay; later ones double (with jitter) up to a minute. Default 1000 ms. */
  retryBaseDelayMs?: number;
  now?: () => Date;
}

// AWS's documented defaults for a rule target: 185 retries over at most 24 hours.
const DEFAULT_MAX_RETRIES = 185;
const DEFAULT_MAX_AGE_SECONDS = 86_400;
const MAX_RETRY_DELAY_MS = 60_000;
const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;
const HISTORY_LIMIT = 10_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

interface AttemptFailure {
  code: string;
  message: string;
  retryable: boolean;
}

/** A target delivery not yet finished, as the journal keeps it. */
interface PendingDelivery {
  event: EventEnvelope;
  eventBusName: string;
  ruleName: string;
  targetId: string;
  receivedAt: string;
  /** Attempts begun. */
  attempts: number;
  /** When the next attempt is due (epoch ms), while waiting after a failed one. */
  retryAt?: number;
  lastFailure?: { code: string; message: string };
}

// An attempt under way when the local cloud stopped has an unknown outcome: it counts as failed (as a
// crashed attempt does on AWS) and the retry policy decides what follows.
const INTERRUPTED: AttemptFailure = {
  code: 'SDK_CLIENT_ERROR',
  message: 'The local cloud stopped during this attempt',
  retryable: true,
};

function isPendingDelivery(value: unknown): value is PendingDelivery {
  if (!isRecord(value)) return false;
  return (
    isRecord(value.event) &&
    typeof value.event.id === 'string' &&
    typeof value.eventBusName === 'string' &&
    typeof value.ruleName === 'string' &&
    typeof value.targetId === 'string' &&
    typeof value.receivedAt === 'string' &&
    typeof value.attempts === 'number' &&
    (value.retryAt === undefined || typeof value.retryAt === 'number')
  );
}

/** Formats a time as AWS writes an event's `time`: ISO 8601 to the second, `Z`. */
export function eventTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The assumed-role ARN AWS names in its AccessDenied messages for a function's role. */
function assumedRoleArn(caller: Extract<CallerIdentity, { kind: 'function' }>): string {
  const match = /^arn:([^:]+):iam::(\d+):role\/(?:.*\/)?([^/]+)$/.exec(caller.roleArn);
  if (!match) return caller.roleArn;
  return `arn:${match[1]}:sts::${match[2]}:assumed-role/${match[3]}/${caller.functionName}`;
}

/** Throws AccessDeniedException unless the caller may perform `events:<operation>` on `resource`. */
export function authorize(caller: CallerIdentity, operation: string, resource: string): void {
  if (caller.kind === 'admin') return;
  const action = `events:${operation}`;
  if (!isAllowed(caller.statements, action, resource)) {
    throw new EventBridgeApiError(
      'AccessDeniedException',
      `User: ${assumedRoleArn(caller)} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
    );
  }
}

/** The buses, rules and archives of one resolved stack, with routing, delivery, schedules and replays. */
export class LocalEventBridge {
  readonly region: string;
  readonly accountId: string;
  private readonly busesByName = new Map<string, BusInfo>();
  private readonly rulesList: Rule[] = [];
  private readonly archivesByName = new Map<string, Archive>();
  private readonly replays = new Map<string, ReplayInfo>();
  private readonly historyById = new Map<string, EventHistory[]>();
  private readonly listeners = new Set<DeliveryListener>();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly sleeping = new Set<() => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private running = false;
  private stopping = false;
  private readonly now: () => Date;
  private readonly retryBaseDelayMs: number;
  private readonly pending: Journal;
  // What the last run left undone, resumed by the first start().
  private toResume: { id: string; delivery: PendingDelivery }[];

  constructor(private readonly options: LocalEventBridgeOptions) {
    this.region = options.stack.region;
    this.accountId = options.stack.accountId;
    this.now = options.now ?? (() => new Date());
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 1000;
    const journalPath = path.join(options.stateDir, 'pending-deliveries');
    this.pending = openJournal({
      path: journalPath,
      describes: 'pending EventBridge target deliveries',
      log: options.log,
    });
    this.toResume = [...this.pending.restored].map(([id, delivery]) => {
      if (!isPendingDelivery(delivery)) {
        throw new JournalFileError(
          `${journalPath}: the pending delivery ${id} is malformed; delete the journal (or the whole state folder) to start without it`,
        );
      }
      return { id, delivery };
    });
    this.busesByName.set('default', { name: 'default', arn: this.busArn('default') });
    const resources = [...options.stack.resources.values()];
    for (const resource of resources) {
      if (resource.type === 'AWS::Events::EventBus') {
        const name = optionalString(resource.properties.Name) ?? resource.physicalName;
        this.busesByName.set(name, { name, arn: resource.attributes.Arn ?? this.busArn(name) });
      }
    }
    for (const resource of resources) {
      if (resource.type === 'AWS::Events::Rule')
        this.rulesList.push(this.ruleFrom(resource.properties, resource));
      if (resource.type === 'AWS::Events::Archive') {
        const archive = this.archiveFrom(resource.properties, resource);
        this.archivesByName.set(archive.name, archive);
      }
    }
  }

  private busArn(name: string): string {
    return `arn:aws:events:${this.region}:${this.accountId}:event-bus/${name}`;
  }

  private ruleFrom(
    properties: Record<string, unknown>,
    resource: { logicalId: string; physicalName: string; attributes: Record<string, string> },
  ): Rule {
    const name = optionalString(properties.Name) ?? resource.physicalName;
    const bus = this.findBus(optionalString(properties.EventBusName));
    const eventBusName = bus?.name ?? optionalString(properties.EventBusName) ?? 'default';
    const arnPath = eventBusName === 'default' ? name : `${eventBusName}/${name}`;
    const rule: Rule = {
      name,
      arn: resource.attributes.Arn ?? `arn:aws:events:${this.region}:${this.accountId}:rule/${arnPath}`,
      eventBusName,
      state: properties.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
      targets: Array.isArray(properties.Targets) ? (properties.Targets as TargetConfig[]) : [],
    };
    const description = optionalString(properties.Description);
    if (description !== undefined) rule.description = description;
    if (properties.EventPattern !== undefined) {
      // An invalid pattern would have failed the deployment on AWS: failing here says which rule.
      try {
        rule.pattern = compilePattern(properties.EventPattern);
      } catch (error) {
        throw new Error(`Rule ${resource.logicalId}: ${(error as Error).message}`);
      }
      rule.eventPattern = JSON.stringify(rule.pattern.source);
    }
    const scheduleExpression = optionalString(properties.ScheduleExpression);
    if (scheduleExpression !== undefined) {
      try {
        rule.schedule = parseSchedule(scheduleExpression);
      } catch (error) {
        throw new Error(`Rule ${resource.logicalId}: ${(error as Error).message}`);
      }
      rule.scheduleExpression = scheduleExpression;
    }
    return rule;
  }

  private archiveFrom(
    properties: Record<string, unknown>,
    resource: { logicalId: string; physicalName: string; attributes: Record<string, string> },
  ): Archive {
    const name = optionalString(properties.ArchiveName) ?? resource.physicalName;
    const sourceArn = optionalString(properties.SourceArn) ?? this.busArn('default');
    const archive: Archive = {
      name,
      arn: resource.attributes.Arn ?? `arn:aws:events:${this.region}:${this.accountId}:archive/${name}`,
      sourceArn,
      retentionDays: typeof properties.RetentionDays === 'number' ? properties.RetentionDays : 0,
      creationTime: this.now(),
      log: new ArchiveLog(this.options.stateDir, name, this.options.log),
    };
    const description = optionalString(properties.Description);
    if (description !== undefined) archive.description = description;
    if (properties.EventPattern !== undefined) {
      try {
        archive.pattern = compilePattern(properties.EventPattern);
      } catch (error) {
        throw new Error(`Archive ${resource.logicalId}: ${(error as Error).message}`);
      }
      archive.eventPattern = JSON.stringify(archive.pattern.source);
    }
    return archive;
  }

  /** A bus by name or ARN (`undefined` or empty means the default bus). */
  findBus(nameOrArn: string | undefined): BusInfo | undefined {
    if (nameOrArn === undefined || nameOrArn === '') return this.busesByName.get('default');
    if (nameOrArn.startsWith('arn:'))
      return [...this.busesByName.values()].find((bus) => bus.arn === nameOrArn);
    return this.busesByName.get(nameOrArn);
  }

  /** The ARN a bus name or ARN stands for, whether or not the bus exists (for permission checks). */
  busArnFor(nameOrArn: string | undefined): string {
    if (nameOrArn?.startsWith('arn:')) return nameOrArn;
    return this.busArn(nameOrArn === undefined || nameOrArn === '' ? 'default' : nameOrArn);
  }

  /** Every bus: `default` first, then the template's. */
  buses(): BusInfo[] {
    return [...this.busesByName.values()];
  }

  /** Every rule of the template, with its targets. */
  rules(): RuleInfo[] {
    return this.rulesList.map(({ pattern: _pattern, schedule: _schedule, ...info }) => structuredClone(info));
  }

  /** Every archive, with its current size. */
  archives(): ArchiveInfo[] {
    return [...this.archivesByName.values()].map(({ pattern: _pattern, log, ...info }) => ({
      ...info,
      eventCount: log.eventCount,
      sizeBytes: log.size,
    }));
  }

  /** Every replay started since this process began. */
  listReplays(): ReplayInfo[] {
    return [...this.replays.values()].map((replay) => ({ ...replay }));
  }

  /** One replay by name. */
  describeReplay(name: string): ReplayInfo | undefined {
    const replay = this.replays.get(name);
    return replay ? { ...replay } : undefined;
  }

  /** Listens to delivery reports; returns the function that stops listening. */
  subscribe(listener: DeliveryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The delivery history of an event id: its first routing and any replays of it. */
  history(eventId: string): EventHistory[] {
    return (this.historyById.get(eventId) ?? []).map((entry) => ({
      ...entry,
      targets: entry.targets.map((target) => ({ ...target })),
    }));
  }

  /** Resolves once every delivery, retry and replay under way has finished. */
  async settled(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  // Runs a background task so that settled() and stop() can wait for it; a task never rejects unnoticed.
  private track(task: Promise<unknown>): void {
    const tracked = task.catch((error: unknown) => {
      this.options.log.error('eventbridge: a background task failed', { error: String(error) });
    });
    this.inflight.add(tracked);
    void tracked.finally(() => this.inflight.delete(tracked));
  }

  private emit(report: DeliveryReport): void {
    for (const listener of this.listeners) {
      try {
        listener(report);
      } catch (error) {
        this.options.log.warn('eventbridge: a delivery listener failed', { error: String(error) });
      }
    }
  }

  /** Accepts PutEvents entries as the API does: limits, per-entry errors, routing, archiving. */
  async putEvents(entries: unknown, caller: CallerIdentity = { kind: 'admin', accessKeyId: 'local' }) {
    if (!Array.isArray(entries)) {
      throw new EventBridgeApiError(
        'ValidationException',
        "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
      );
    }
    if (entries.length < 1 || entries.length > MAX_ENTRIES) {
      throw new EventBridgeApiError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${
          entries.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 10'
        }`,
      );
    }
    const totalSize = entries.reduce<number>((sum, entry) => sum + entrySize(entry), 0);
    if (totalSize > MAX_REQUEST_BYTES) {
      throw new EventBridgeApiError(
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );
    }
    for (const entry of entries) {
      const busName = isRecord(entry) ? optionalString(entry.EventBusName) : undefined;
      authorize(caller, 'PutEvents', this.busArnFor(busName));
    }
    const results = entries.map((entry) => this.acceptEntry(entry));
    try {
      await this.pending.commit();
    } catch (error) {
      throw new EventBridgeApiError(
        'InternalException',
        `The local EventBridge could not save the events: ${(error as Error).message}`,
        500,
      );
    }
    return {
      FailedEntryCount: results.filter((result) => result.ErrorCode !== undefined).length,
      Entries: results,
    } satisfies PutEventsResult;
  }

  private acceptEntry(entry: unknown): PutEventsResultEntry {
    if (!isRecord(entry)) return invalid('Entry', 'Entry must be an object.');
    const { Source, DetailType, Detail, Resources, Time, EventBusName } = entry as PutEventsRequestEntry;
    if (typeof Source !== 'string' || Source === '')
      return invalid('Source', 'Source is a required argument.');
    if (typeof DetailType !== 'string' || DetailType === '') {
      return invalid('DetailType', 'DetailType is a required argument.');
    }
    if (typeof Detail !== 'string' || Detail === '')
      return invalid('Detail', 'Detail is a required argument.');
    let detail: unknown;
    try {
      detail = JSON.parse(Detail);
    } catch {
      detail = undefined;
    }
    if (!isRecord(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    if (
      Resources !== undefined &&
      !(Array.isArray(Resources) && Resources.every((r) => typeof r === 'string'))
    ) {
      return invalid('Resources', 'Resources must be a list of strings.');
    }
    const time = Time === undefined ? this.now() : parseTime(Time);
    if (!time) return invalid('Time', 'Time must be a valid timestamp.');
    // Only AWS services may publish with an "aws." source.
    if (Source.startsWith('aws.')) {
      return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
    }
    const busName = optionalString(EventBusName);
    const bus = this.findBus(busName);
    if (!bus) {
      return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${busName} does not exist.` };
    }
    const event: EventEnvelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': DetailType,
      source: Source,
      account: this.accountId,
      time: eventTime(time),
      region: this.region,
      resources: (Resources as string[] | undefined) ?? [],
      detail,
    };
    this.archive(event, bus);
    this.route(
      event,
      bus,
      this.rulesList.filter((rule) => rule.eventBusName === bus.name),
    );
    return { EventId: event.id };
  }

  private archive(event: EventEnvelope, bus: BusInfo): void {
    // Replayed events are not archived again.
    if (event['replay-name'] !== undefined) return;
    for (const archive of this.archivesByName.values()) {
      if (archive.sourceArn !== bus.arn) continue;
      if (archive.pattern && !matchesPattern(archive.pattern, event)) continue;
      try {
        archive.log.append(event, this.now());
      } catch (error) {
        this.options.log.error('eventbridge: could not archive an event', {
          archive: archive.name,
          eventId: event.id,
          error: String(error),
        });
      }
    }
  }

  /** Matches an event against candidate rules and starts delivery to the targets of those that match. */
  private route(event: EventEnvelope, bus: BusInfo, candidates: Rule[]): void {
    const matched = candidates.filter(
      (rule) => rule.state === 'ENABLED' && rule.pattern !== undefined && matchesPattern(rule.pattern, event),
    );
    this.dispatch(event, bus.name, matched);
  }

  private dispatch(event: EventEnvelope, eventBusName: string, rules: Rule[]): void {
    const receivedAt = this.now();
    const record: EventHistory = {
      eventId: event.id,
      eventBusName,
      receivedAt: receivedAt.toISOString(),
      event,
      matchedRules: rules.map((rule) => ({ name: rule.name, arn: rule.arn })),
      targets: [],
    };
    const replayName = event['replay-name'];
    if (replayName !== undefined) record.replayName = replayName;
    this.remember(record);
    this.emit({
      kind: 'matched',
      eventId: event.id,
      eventBusName,
      ...(replayName !== undefined ? { replayName } : {}),
      event,
      matchedRules: record.matchedRules,
    });
    for (const rule of rules) {
      for (const target of rule.targets) {
        const history: TargetHistory = {
          ruleName: rule.name,
          ruleArn: rule.arn,
          targetId: target.Id,
          targetArn: target.Arn,
          status: 'pending',
          attempts: 0,
          retries: 0,
        };
        record.targets.push(history);
        const id = randomUUID();
        const delivery: PendingDelivery = {
          event,
          eventBusName: rule.eventBusName,
          ruleName: rule.name,
          targetId: target.Id,
          receivedAt: receivedAt.toISOString(),
          attempts: 0,
        };
        this.pending.set(id, delivery);
        this.track(this.deliver(rule, target, history, id, delivery));
      }
    }
  }

  // Resumes the deliveries the last run left, each where it was; those whose rule or target the
  // template no longer has are dropped with a log line.
  private resumePending(): void {
    const resumed = new Map<string, EventHistory>();
    for (const { id, delivery } of this.toResume.splice(0)) {
      const rule = this.rulesList.find(
        (candidate) =>
          candidate.name === delivery.ruleName && candidate.eventBusName === delivery.eventBusName,
      );
      const target = rule?.targets.find((candidate) => candidate.Id === delivery.targetId);
      if (!rule || !target) {
        this.options.log.warn(
          'eventbridge: pending delivery dropped: the template no longer has its target',
          {
            eventId: delivery.event.id,
            ruleName: delivery.ruleName,
            targetId: delivery.targetId,
          },
        );
        this.pending.delete(id);
        continue;
      }
      let record = resumed.get(delivery.event.id);
      if (!record) {
        record = {
          eventId: delivery.event.id,
          eventBusName: delivery.eventBusName,
          receivedAt: delivery.receivedAt,
          event: delivery.event,
          matchedRules: [],
          targets: [],
        };
        resumed.set(delivery.event.id, record);
        this.remember(record);
      }
      if (!record.matchedRules.some((matched) => matched.arn === rule.arn)) {
        record.matchedRules.push({ name: rule.name, arn: rule.arn });
      }
      const history: TargetHistory = {
        ruleName: rule.name,
        ruleArn: rule.arn,
        targetId: target.Id,
        targetArn: target.Arn,
        status: 'pending',
        attempts: delivery.attempts,
        retries: Math.max(0, delivery.attempts - 1),
      };
      record.targets.push(history);
      this.track(this.deliver(rule, target, history, id, delivery));
    }
    if (resumed.size > 0) {
      this.options.log.info('eventbridge: pending deliveries resumed', {
        events: resumed.size,
        deliveries: [...resumed.values()].reduce((sum, record) => sum + record.targets.length, 0),
      });
    }
  }

  private remember(record: EventHistory): void {
    const list = this.historyById.get(record.eventId);
    if (list) {
      list.push(record);
      return;
    }
    this.historyById.set(record.eventId, [record]);
    if (this.historyById.size > HISTORY_LIMIT) {
      const oldest = this.historyById.keys().next().value;
      if (oldest !== undefined) this.historyById.delete(oldest);
    }
  }

  private async deliver(
    rule: Rule,
    target: TargetConfig,
    history: TargetHistory,
    id: string,
    delivery: PendingDelivery,
  ): Promise<void> {
    const { event } = delivery;
    const receivedAt = new Date(delivery.receivedAt);
    const maxRetries = target.RetryPolicy?.MaximumRetryAttempts ?? DEFAULT_MAX_RETRIES;
    const maxAgeMs = (target.RetryPolicy?.MaximumEventAgeInSeconds ?? DEFAULT_MAX_AGE_SECONDS) * 1000;
    const base = {
      eventId: event.id,
      ruleName: rule.name,
      ruleArn: rule.arn,
      targetId: target.Id,
      targetArn: target.Arn,
    };
    let failure: AttemptFailure | undefined;
    let exhausted = 'MaximumRetryAttempts';
    // A delivery resumed after a restart waits out the retry it was waiting for, or counts the
    // attempt the stop interrupted as failed.
    let waitMs: number | undefined;
    if (delivery.retryAt !== undefined) {
      waitMs = Math.max(0, delivery.retryAt - this.now().getTime());
      failure = { ...(delivery.lastFailure ?? INTERRUPTED), retryable: true };
      history.errorCode = failure.code;
      history.errorMessage = failure.message;
    } else if (delivery.attempts > 0) {
      failure = INTERRUPTED;
    }
    for (;;) {
      if (failure && waitMs === undefined) {
        history.errorCode = failure.code;
        history.errorMessage = failure.message;
        if (!failure.retryable) {
          exhausted = 'NonRetryableError';
          break;
        }
        if (history.retries >= maxRetries) break;
        waitMs = this.backoff(history.attempts);
        if (this.now().getTime() + waitMs - receivedAt.getTime() > maxAgeMs) {
          exhausted = 'MaximumEventAgeInSeconds';
          break;
        }
        this.emit({
          kind: 'target',
          outcome: 'retrying',
          retries: history.retries,
          errorCode: failure.code,
          errorMessage: failure.message,
          ...base,
        });
        delivery.retryAt = this.now().getTime() + waitMs;
        delivery.lastFailure = { code: failure.code, message: failure.message };
        this.pending.set(id, delivery);
      }
      if (waitMs !== undefined) {
        const slept = await this.sleep(waitMs);
        waitMs = undefined;
        // Stopping: the journal keeps the delivery for the next start.
        if (!slept) return;
      }
      history.attempts++;
      history.retries = history.attempts - 1;
      delivery.attempts = history.attempts;
      delete delivery.retryAt;
      this.pending.set(id, delivery);
      failure = await this.attempt(rule, target, event, receivedAt);
      if (!failure) {
        history.status = 'delivered';
        this.pending.delete(id);
        this.emit({ kind: 'target', outcome: 'delivered', retries: history.retries, ...base });
        return;
      }
    }
    await this.deadLetter(rule, target, event, history, failure ?? INTERRUPTED, exhausted, base);
    this.pending.delete(id);
  }

  private async deadLetter(
    rule: Rule,
    target: TargetConfig,
    event: EventEnvelope,
    history: TargetHistory,
    failure: AttemptFailure,
    exhausted: string,
    base: { eventId: string; ruleName: string; ruleArn: string; targetId: string; targetArn: string },
  ): Promise<void> {
    const failureFields = { errorCode: failure.code, errorMessage: failure.message };
    const dlqArn = target.DeadLetterConfig?.Arn;
    if (dlqArn) {
      try {
        // The attributes AWS adds to a dead-lettered event.
        await this.options.queues.sendMessage(dlqArn, JSON.stringify(event), {
          messageAttributes: {
            RULE_ARN: { DataType: 'String', StringValue: rule.arn },
            TARGET_ARN: { DataType: 'String', StringValue: target.Arn },
            ERROR_CODE: { DataType: 'String', StringValue: failure.code },
            ERROR_MESSAGE: { DataType: 'String', StringValue: failure.message.slice(0, 1024) },
            EXHAUSTED_RETRY_CONDITION: { DataType: 'String', StringValue: exhausted },
            RETRY_ATTEMPTS: { DataType: 'Number', StringValue: String(history.retries) },
          },
        });
        history.status = 'dead-lettered';
        history.deadLetterArn = dlqArn;
        this.options.log.warn('eventbridge: event sent to the target dead-letter queue', {
          ...base,
          deadLetterArn: dlqArn,
          ...failureFields,
        });
        this.emit({
          kind: 'target',
          outcome: 'dead-lettered',
          retries: history.retries,
          deadLetterArn: dlqArn,
          ...failureFields,
          ...base,
        });
        return;
      } catch (error) {
        this.options.log.error('eventbridge: could not send to the dead-letter queue', {
          ...base,
          deadLetterArn: dlqArn,
          error: String(error),
        });
      }
    }
    history.status = 'dropped';
    this.options.log.warn('eventbridge: event dropped after failed delivery', {
      ...base,
      ...failureFields,
      exhausted,
    });
    this.emit({ kind: 'target', outcome: 'dropped', retries: history.retries, ...failureFields, ...base });
  }

  private backoff(attempt: number): number {
    const exponential = Math.min(MAX_RETRY_DELAY_MS, this.retryBaseDelayMs * 2 ** (attempt - 1));
    // Jitter as AWS documents, between half and all of the exponential delay.
    return Math.round(exponential * (0.5 + Math.random() * 0.5));
  }

  /** Waits; resolves false at once when the bridge stops (so stop() does not wait out a backoff). */
  private sleep(ms: number): Promise<boolean> {
    if (this.stopping) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleeping.delete(wake);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.sleeping.delete(wake);
        resolve(true);
      }, ms);
      this.sleeping.add(wake);
    });
  }

  private async attempt(
    rule: Rule,
    target: TargetConfig,
    event: EventEnvelope,
    receivedAt: Date,
  ): Promise<AttemptFailure | undefined> {
    let payload: string;
    try {
      payload = renderTargetInput(target, event, {
        ruleArn: rule.arn,
        ruleName: rule.name,
        ingestionTime: receivedAt.toISOString(),
      });
    } catch (error) {
      return { code: 'INVALID_INPUT', message: (error as Error).message, retryable: false };
    }
    const service = /^arn:[^:]+:([^:]+):/.exec(target.Arn)?.[1];
    try {
      if (service === 'sqs') {
        await this.options.queues.sendMessage(target.Arn, payload, sqsOptions(target, event));
        return undefined;
      }
      if (service === 'events' && target.Arn.includes(':event-bus/'))
        return this.forward(rule, target, event);
      if (service === 'lambda') {
        const result = await this.options.lambda.invoke(target.Arn, parsePayload(payload), {
          invocationType: 'Event',
        });
        if (result.ok) return undefined;
        return lambdaFailure(result.errorType, result.errorMessage);
      }
      return {
        code: 'UNSUPPORTED_TARGET',
        message: `The local EventBridge delivers to SQS queues, Lambda functions and event buses only, not to ${target.Arn}`,
        retryable: false,
      };
    } catch (error) {
      return thrownFailure(error);
    }
  }

  // An event bus target receives the event itself, which then goes through that bus's archives and rules.
  private forward(rule: Rule, target: TargetConfig, event: EventEnvelope): AttemptFailure | undefined {
    const bus = this.findBus(target.Arn);
    if (!bus)
      return {
        code: 'RESOURCE_NOT_FOUND',
        message: `Event bus ${target.Arn} does not exist.`,
        retryable: false,
      };
    if (bus.name === rule.eventBusName) {
      return { code: 'INVALID_TARGET', message: 'A rule cannot target its own event bus.', retryable: false };
    }
    this.archive(event, bus);
    this.route(
      event,
      bus,
      this.rulesList.filter((candidate) => candidate.eventBusName === bus.name),
    );
    return undefined;
  }

  /** Starts schedules. Local choice: a rate() rule fires once at start, then every period, so that a local
   * system does not wait a whole period after boot; cron() rules fire at their next matching minute. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    this.resumePending();
    for (const rule of this.rulesList) {
      if (rule.state !== 'ENABLED' || !rule.schedule) continue;
      const schedule = rule.schedule;
      if (schedule.kind === 'rate') {
        this.fireScheduled(rule);
        const timer = setInterval(() => this.fireScheduled(rule), schedule.periodMs);
        timer.unref();
        this.timers.add(timer);
      } else {
        this.scheduleCron(rule, schedule);
      }
    }
  }

  private scheduleCron(rule: Rule, schedule: Schedule): void {
    const next = nextFireTime(schedule, this.now());
    if (!next || !this.running) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, next.getTime() - this.now().getTime()));
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.running) return;
      if (this.now().getTime() >= next.getTime()) this.fireScheduled(rule);
      this.scheduleCron(rule, schedule);
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  private fireScheduled(rule: Rule): void {
    const event: EventEnvelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: this.accountId,
      time: eventTime(this.now()),
      region: this.region,
      resources: [rule.arn],
      detail: {},
    };
    this.dispatch(event, rule.eventBusName, [rule]);
  }

  /** Stops schedules, leaves pending retries to the next start, and waits for deliveries under way. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const wake of [...this.sleeping]) wake();
    await this.settled();
    await this.pending.close();
  }

  /** Starts replaying an archive's events to its bus (StartReplay); the replay runs in the background. */
  startReplay(input: StartReplayInput): ReplayInfo {
    if (this.replays.has(input.ReplayName)) {
      throw new EventBridgeApiError(
        'ResourceAlreadyExistsException',
        `Replay ${input.ReplayName} already exists.`,
      );
    }
    const archive = [...this.archivesByName.values()].find((a) => a.arn === input.EventSourceArn);
    if (!archive) {
      throw new EventBridgeApiError(
        'ResourceNotFoundException',
        `Archive ${input.EventSourceArn} does not exist.`,
      );
    }
    if (input.EventStartTime.getTime() >= input.EventEndTime.getTime()) {
      throw new EventBridgeApiError(
        'ValidationException',
        'Parameter EventStartTime is not valid. Reason: EventStartTime must be before EventEndTime.',
      );
    }
    if (input.Destination.Arn !== archive.sourceArn) {
      throw new EventBridgeApiError(
        'ValidationException',
        'Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.',
      );
    }
    const replay: ReplayInfo = {
      name: input.ReplayName,
      arn: `arn:aws:events:${this.region}:${this.accountId}:replay/${input.ReplayName}`,
      archiveArn: archive.arn,
      destination: input.Destination,
      state: 'STARTING',
      eventStartTime: input.EventStartTime,
      eventEndTime: input.EventEndTime,
      replayStartTime: this.now(),
    };
    if (input.Description !== undefined) replay.description = input.Description;
    this.replays.set(replay.name, replay);
    this.track(this.runReplay(replay, archive));
    return { ...replay };
  }

  private async runReplay(replay: ReplayInfo, archive: Archive): Promise<void> {
    // Let the StartReplay answer go out with state STARTING first, as on AWS.
    await new Promise((resolve) => setImmediate(resolve));
    replay.state = 'RUNNING';
    try {
      const bus = this.findBus(replay.destination.Arn);
      if (!bus) throw new Error(`Event bus ${replay.destination.Arn} does not exist.`);
      const filter = replay.destination.FilterArns;
      const candidates = this.rulesList.filter(
        (rule) =>
          rule.eventBusName === bus.name &&
          (filter === undefined || filter.length === 0 || filter.includes(rule.arn)),
      );
      const entries = archive.log.between(
        replay.eventStartTime,
        replay.eventEndTime,
        archive.retentionDays,
        this.now(),
      );
      for (const entry of entries) {
        const event = { ...(entry.event as EventEnvelope), 'replay-name': replay.name };
        this.route(event, bus, candidates);
        replay.eventLastReplayedTime = new Date(entry.archivedAt);
      }
      replay.state = 'COMPLETED';
    } catch (error) {
      replay.state = 'FAILED';
      replay.stateReason = (error as Error).message;
      this.options.log.error('eventbridge: replay failed', {
        replay: replay.name,
        error: replay.stateReason,
      });
    }
    replay.replayEndTime = this.now();
  }
}

function invalid(parameter: string, reason: string): PutEventsResultEntry {
  return {
    ErrorCode: 'InvalidArgument',
    ErrorMessage: `Parameter ${parameter} is not valid. Reason: ${reason}`,
  };
}

/** An entry's size as AWS counts it against the 256 KB request limit. */
export function entrySize(entry: unknown): number {
  if (!isRecord(entry)) return 0;
  let size = entry.Time !== undefined ? 14 : 0;
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    const value = entry[field];
    if (typeof value === 'string') size += Buffer.byteLength(value);
  }
  if (Array.isArray(entry.Resources)) {
    for (const resource of entry.Resources)
      if (typeof resource === 'string') size += Buffer.byteLength(resource);
  }
  return size;
}

/** Timestamps arrive as epoch seconds (the SDKs' JSON protocol), as ISO text, or as a Date. */
export function parseTime(value: unknown): Date | undefined {
  let date: Date | undefined;
  if (value instanceof Date) date = value;
  else if (typeof value === 'number') date = new Date(value * 1000);
  else if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) date = new Date(Number(value) * 1000);
  else if (typeof value === 'string') date = new Date(value);
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

function sqsOptions(target: TargetConfig, event: EventEnvelope) {
  const options: { messageGroupId?: string; messageDeduplicationId?: string } = {};
  const groupId = target.SqsParameters?.MessageGroupId;
  if (groupId !== undefined) options.messageGroupId = groupId;
  // For FIFO queues AWS uses the event id as the deduplication id.
  if (target.Arn.endsWith('.fifo')) options.messageDeduplicationId = event.id;
  return options;
}

function parsePayload(payload: string): unknown {
  try {
    return JSON.parse(payload);
  } catch {
    return payload;
  }
}

const NOT_FOUND = /NotFound|NonExistent|DoesNotExist/i;
const DENIED = /AccessDenied|NotAuthorized|Forbidden/i;

function lambdaFailure(errorType: string, errorMessage: string): AttemptFailure {
  if (NOT_FOUND.test(errorType))
    return { code: 'RESOURCE_NOT_FOUND', message: errorMessage, retryable: false };
  if (DENIED.test(errorType)) return { code: 'NO_PERMISSIONS', message: errorMessage, retryable: false };
  if (/TooManyRequests|Throttl/i.test(errorType))
    return { code: 'THROTTLING', message: errorMessage, retryable: true };
  return { code: 'SDK_CLIENT_ERROR', message: `${errorType}: ${errorMessage}`, retryable: true };
}

function thrownFailure(error: unknown): AttemptFailure {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const code = isRecord(error) && typeof error.code === 'string' ? error.code : name;
  if (NOT_FOUND.test(code) || NOT_FOUND.test(name))
    return { code: 'RESOURCE_NOT_FOUND', message, retryable: false };
  if (DENIED.test(code) || DENIED.test(name)) return { code: 'NO_PERMISSIONS', message, retryable: false };
  return { code: 'SDK_CLIENT_ERROR', message, retryable: true };
}
