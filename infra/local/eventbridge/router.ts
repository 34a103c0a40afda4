// Which rules an event matches, and the start of their target deliveries under one history record.
import type { Archives } from './archive.ts';
import type { TargetDeliveries } from './delivery.ts';
import type { DeliveryHistory } from './history.ts';
import { matchesPattern } from './pattern.ts';
import type { Registry } from './registry.ts';
import type { AttemptFailure } from './target.ts';
import type { BusInfo, EventEnvelope, EventHistory, Rule, TargetConfig, TargetHistory } from './types.ts';

/** The enabled rules among the candidates whose pattern the event matches (scheduled rules never do). */
export function matchingRules(event: EventEnvelope, candidates: readonly Rule[]): Rule[] {
  return candidates.filter(
    (rule) => rule.state === 'ENABLED' && rule.pattern !== undefined && matchesPattern(rule.pattern, event),
  );
}

export interface RouterOptions {
  registry: Registry;
  archives: Archives;
  history: DeliveryHistory;
  deliveries: TargetDeliveries;
  now: () => Date;
}

/** Routes events to the rules of a bus and starts the deliveries to their targets. */
export class Router {
  constructor(private readonly options: RouterOptions) {}

  /** Matches an event against candidate rules (by default the bus's) and delivers to those that match. */
  route(event: EventEnvelope, bus: BusInfo, candidates = this.options.registry.rulesOn(bus.name)): void {
    this.dispatch(event, bus.name, matchingRules(event, candidates));
  }

  /** Records the event's routing, reports it, and starts a delivery per target of the given rules. */
  dispatch(event: EventEnvelope, eventBusName: string, rules: Rule[]): void {
    const { history, deliveries } = this.options;
    const receivedAt = this.options.now();
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
    history.remember(record);
    history.emit({
      kind: 'matched',
      eventId: event.id,
      eventBusName,
      ...(replayName !== undefined ? { replayName } : {}),
      event,
      matchedRules: record.matchedRules,
    });
    for (const rule of rules) {
      for (const target of rule.targets) {
        const targetHistory: TargetHistory = {
          ruleName: rule.name,
          ruleArn: rule.arn,
          targetId: target.Id,
          targetArn: target.Arn,
          status: 'pending',
          attempts: 0,
          retries: 0,
        };
        record.targets.push(targetHistory);
        deliveries.begin(rule, target, event, receivedAt, targetHistory);
      }
    }
  }

  /** An event bus target receives the event itself, which then goes through that bus's archives and rules. */
  forward(rule: Rule, target: TargetConfig, event: EventEnvelope): AttemptFailure | undefined {
    const bus = this.options.registry.findBus(target.Arn);
    if (!bus)
      return {
        code: 'RESOURCE_NOT_FOUND',
        message: `Event bus ${target.Arn} does not exist.`,
        retryable: false,
      };
    if (bus.name === rule.eventBusName) {
      return { code: 'INVALID_TARGET', message: 'A rule cannot target its own event bus.', retryable: false };
    }
    this.options.archives.archive(event, bus);
    this.route(event, bus);
    return undefined;
  }
}
