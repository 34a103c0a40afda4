// The local EventBridge as one object: it wires the registry, router, deliveries, schedules and replays.
import type { Journal } from '../durability/journal.ts';
import type { Meter } from '../metering/meter.ts';
import type { CallerIdentity, LambdaInvoker, LocalLogger, QueueSender, ResolvedStack } from '../model.ts';
import { Archives } from './archive.ts';
import { TargetDeliveries } from './delivery.ts';
import { DeliveryHistory } from './history.ts';
import { openPendingDeliveries, type RestoredDelivery, resumePending } from './pending-deliveries.ts';
import { putEvents } from './put-events.ts';
import { Registry } from './registry.ts';
import { Replays } from './replay.ts';
import { Router } from './router.ts';
import { Scheduler } from './scheduler.ts';
import { attemptDelivery, type TargetSenders } from './target.ts';
import { BackgroundTasks } from './tasks.ts';
import type {
  ArchiveInfo,
  BusInfo,
  DeliveryListener,
  EventEnvelope,
  EventHistory,
  PutEventsResult,
  ReplayInfo,
  RuleInfo,
  StartReplayInput,
} from './types.ts';

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
  /** Counts accepted PutEvents entries for the bill (metering/). */
  meter?: Pick<Meter, 'eventPut'>;
}

/** The buses, rules and archives of one resolved stack, with routing, delivery, schedules and replays. */
export class LocalEventBridge {
  readonly region: string;
  readonly accountId: string;
  private readonly registry: Registry;
  private readonly archiveStore: Archives;
  private readonly deliveryHistory: DeliveryHistory;
  private readonly tasks: BackgroundTasks;
  private readonly journal: Journal;
  private readonly deliveries: TargetDeliveries;
  private readonly router: Router;
  private readonly scheduler: Scheduler;
  private readonly replays: Replays;
  private readonly now: () => Date;
  private running = false;
  // What the last run left undone, resumed by the first start().
  private toResume: RestoredDelivery[];

  constructor(private readonly options: LocalEventBridgeOptions) {
    const { stack, log, queues, lambda, stateDir } = options;
    const now = options.now ?? (() => new Date());
    this.now = now;
    this.region = stack.region;
    this.accountId = stack.accountId;
    const pending = openPendingDeliveries(stateDir, log);
    this.journal = pending.journal;
    this.toResume = pending.restored;
    const registry = new Registry(stack);
    this.registry = registry;
    this.archiveStore = new Archives({ stack, registry, stateDir, log, now });
    this.deliveryHistory = new DeliveryHistory(log);
    this.tasks = new BackgroundTasks(log);
    const forward: TargetSenders['forward'] = (rule, target, event) =>
      this.router.forward(rule, target, event);
    this.deliveries = new TargetDeliveries({
      journal: this.journal,
      history: this.deliveryHistory,
      tasks: this.tasks,
      queues,
      log,
      now,
      retryBaseDelayMs: options.retryBaseDelayMs ?? 1000,
      attempt: (rule, target, event, receivedAt) =>
        attemptDelivery({ queues, lambda, forward }, rule, target, event, receivedAt),
    });
    this.router = new Router({
      registry,
      archives: this.archiveStore,
      history: this.deliveryHistory,
      deliveries: this.deliveries,
      now,
    });
    this.scheduler = new Scheduler({
      registry,
      now,
      dispatch: (event, eventBusName, rules) => this.router.dispatch(event, eventBusName, rules),
    });
    this.replays = new Replays({
      registry,
      archives: this.archiveStore,
      tasks: this.tasks,
      log,
      now,
      route: (event, bus, candidates) => this.router.route(event, bus, candidates),
    });
  }

  /** A bus by name or ARN (`undefined` or empty means the default bus). */
  findBus(nameOrArn: string | undefined): BusInfo | undefined {
    return this.registry.findBus(nameOrArn);
  }

  /** The ARN a bus name or ARN stands for, whether or not the bus exists (for permission checks). */
  busArnFor(nameOrArn: string | undefined): string {
    return this.registry.busArnFor(nameOrArn);
  }

  /** Every bus: `default` first, then the template's. */
  buses(): BusInfo[] {
    return this.registry.buses();
  }

  /** Every rule of the template, with its targets. */
  rules(): RuleInfo[] {
    return this.registry.rules();
  }

  /** Every archive, with its current size. */
  archives(): ArchiveInfo[] {
    return this.archiveStore.infos();
  }

  /** Every replay started since this process began. */
  listReplays(): ReplayInfo[] {
    return this.replays.list();
  }

  /** One replay by name. */
  describeReplay(name: string): ReplayInfo | undefined {
    return this.replays.describe(name);
  }

  /** Listens to delivery reports; returns the function that stops listening. */
  subscribe(listener: DeliveryListener): () => void {
    return this.deliveryHistory.subscribe(listener);
  }

  /** The delivery history of an event id: its first routing and any replays of it. */
  history(eventId: string): EventHistory[] {
    return this.deliveryHistory.history(eventId);
  }

  /** Resolves once every delivery, retry and replay under way has finished. */
  settled(): Promise<void> {
    return this.tasks.settled();
  }

  /** Accepts PutEvents entries as the API does: limits, per-entry errors, routing, archiving. */
  putEvents(
    entries: unknown,
    caller: CallerIdentity = { kind: 'admin', accessKeyId: 'local' },
  ): Promise<PutEventsResult> {
    const context = {
      registry: this.registry,
      journal: this.journal,
      now: this.now,
      ...(this.options.meter ? { meter: this.options.meter } : {}),
      accept: (event: EventEnvelope, bus: BusInfo) => {
        this.archiveStore.archive(event, bus);
        this.router.route(event, bus);
      },
    };
    return putEvents(context, entries, caller);
  }

  /** Starts replaying an archive's events to its bus (StartReplay); the replay runs in the background. */
  startReplay(input: StartReplayInput): ReplayInfo {
    return this.replays.start(input);
  }

  /** Resumes the deliveries the last run left, then starts schedules (see Scheduler.start). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.tasks.resume();
    resumePending(this.toResume.splice(0), {
      registry: this.registry,
      history: this.deliveryHistory,
      journal: this.journal,
      log: this.options.log,
      deliver: (rule, target, history, id, delivery) =>
        this.deliveries.start(rule, target, history, id, delivery),
    });
    this.scheduler.start();
  }

  /** Stops schedules, leaves pending retries to the next start, and waits for deliveries under way. */
  async stop(): Promise<void> {
    this.running = false;
    this.scheduler.stop();
    this.tasks.stop();
    await this.settled();
    await this.journal.close();
  }
}
