// Replays (StartReplay): an archive's events of a time window put back on their bus, in the background.
import type { LocalLogger } from '../model.ts';
import type { Archive, Archives } from './archive.ts';
import { EventBridgeApiError } from './errors.ts';
import type { Registry } from './registry.ts';
import type { BackgroundTasks } from './tasks.ts';
import type { BusInfo, EventEnvelope, ReplayInfo, Rule, StartReplayInput } from './types.ts';

export interface ReplaysOptions {
  registry: Registry;
  archives: Archives;
  tasks: BackgroundTasks;
  log: LocalLogger;
  now: () => Date;
  /** Matches an event against the candidate rules and delivers it to those that match. */
  route(event: EventEnvelope, bus: BusInfo, candidates: Rule[]): void;
}

/** The replays started since this process began. */
export class Replays {
  private readonly replays = new Map<string, ReplayInfo>();

  constructor(private readonly options: ReplaysOptions) {}

  /** Every replay started since this process began. */
  list(): ReplayInfo[] {
    return [...this.replays.values()].map((replay) => ({ ...replay }));
  }

  /** One replay by name. */
  describe(name: string): ReplayInfo | undefined {
    const replay = this.replays.get(name);
    return replay ? { ...replay } : undefined;
  }

  /** Starts replaying an archive's events to its bus (StartReplay); the replay runs in the background. */
  start(input: StartReplayInput): ReplayInfo {
    if (this.replays.has(input.ReplayName)) {
      throw new EventBridgeApiError(
        'ResourceAlreadyExistsException',
        `Replay ${input.ReplayName} already exists.`,
      );
    }
    const archive = this.options.archives.findByArn(input.EventSourceArn);
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
    const { region, accountId } = this.options.registry;
    const replay: ReplayInfo = {
      name: input.ReplayName,
      arn: `arn:aws:events:${region}:${accountId}:replay/${input.ReplayName}`,
      archiveArn: archive.arn,
      destination: input.Destination,
      state: 'STARTING',
      eventStartTime: input.EventStartTime,
      eventEndTime: input.EventEndTime,
      replayStartTime: this.options.now(),
    };
    if (input.Description !== undefined) replay.description = input.Description;
    this.replays.set(replay.name, replay);
    this.options.tasks.track(this.run(replay, archive));
    return { ...replay };
  }

  private async run(replay: ReplayInfo, archive: Archive): Promise<void> {
    // Let the StartReplay answer go out with state STARTING first, as on AWS.
    await new Promise((resolve) => setImmediate(resolve));
    replay.state = 'RUNNING';
    try {
      const bus = this.options.registry.findBus(replay.destination.Arn);
      if (!bus) throw new Error(`Event bus ${replay.destination.Arn} does not exist.`);
      const filter = replay.destination.FilterArns;
      const candidates = this.options.registry
        .rulesOn(bus.name)
        .filter((rule) => filter === undefined || filter.length === 0 || filter.includes(rule.arn));
      const entries = archive.log.between(
        replay.eventStartTime,
        replay.eventEndTime,
        archive.retentionDays,
        this.options.now(),
      );
      for (const entry of entries) {
        const event = { ...(entry.event as EventEnvelope), 'replay-name': replay.name };
        this.options.route(event, bus, candidates);
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
    replay.replayEndTime = this.options.now();
  }
}
