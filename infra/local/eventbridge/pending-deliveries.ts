// The journal of target deliveries not yet finished: written before PutEvents answers, resumed at start.
import path from 'node:path';
import { type Journal, JournalFileError, openJournal } from '../durability/journal.ts';
import type { LocalLogger } from '../model.ts';
import type { DeliveryHistory } from './history.ts';
import type { Registry } from './registry.ts';
import type { EventEnvelope, EventHistory, Rule, TargetConfig, TargetHistory } from './types.ts';
import { isRecord } from './values.ts';

// An accepted event is a promise: each target delivery it starts is written to a journal under the
// state folder before PutEvents answers, with its attempts and next retry as they happen, and a
// start resumes what the last run left (docs/architecture.md, "the local cloud").

/** A target delivery not yet finished, as the journal keeps it. */
export interface PendingDelivery {
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

/** A delivery the last run left, under its journal key. */
export interface RestoredDelivery {
  id: string;
  delivery: PendingDelivery;
}

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

/** Opens `<stateDir>/pending-deliveries` and reads what the last run left; refuses a malformed entry. */
export function openPendingDeliveries(
  stateDir: string,
  log: LocalLogger,
): { journal: Journal; restored: RestoredDelivery[] } {
  const journalPath = path.join(stateDir, 'pending-deliveries');
  const journal = openJournal({
    path: journalPath,
    describes: 'pending EventBridge target deliveries',
    log,
  });
  const restored = [...journal.restored].map(([id, delivery]) => {
    if (!isPendingDelivery(delivery)) {
      throw new JournalFileError(
        `${journalPath}: the pending delivery ${id} is malformed; delete the journal (or the whole state folder) to start without it`,
      );
    }
    return { id, delivery };
  });
  return { journal, restored };
}

export interface ResumeContext {
  registry: Registry;
  history: DeliveryHistory;
  journal: Journal;
  log: LocalLogger;
  /** Starts a journaled delivery where it was. */
  deliver(
    rule: Rule,
    target: TargetConfig,
    history: TargetHistory,
    id: string,
    delivery: PendingDelivery,
  ): void;
}

/**
 * Resumes the deliveries the last run left, each where it was; those whose rule or target the
 * template no longer has are dropped with a log line.
 */
export function resumePending(restored: RestoredDelivery[], context: ResumeContext): void {
  const { registry, history, journal, log } = context;
  const resumed = new Map<string, EventHistory>();
  for (const { id, delivery } of restored) {
    const rule = registry.findRule(delivery.ruleName, delivery.eventBusName);
    const target = rule?.targets.find((candidate) => candidate.Id === delivery.targetId);
    if (!rule || !target) {
      log.warn('eventbridge: pending delivery dropped: the template no longer has its target', {
        eventId: delivery.event.id,
        ruleName: delivery.ruleName,
        targetId: delivery.targetId,
      });
      journal.delete(id);
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
      history.remember(record);
    }
    if (!record.matchedRules.some((matched) => matched.arn === rule.arn)) {
      record.matchedRules.push({ name: rule.name, arn: rule.arn });
    }
    const targetHistory: TargetHistory = {
      ruleName: rule.name,
      ruleArn: rule.arn,
      targetId: target.Id,
      targetArn: target.Arn,
      status: 'pending',
      attempts: delivery.attempts,
      retries: Math.max(0, delivery.attempts - 1),
    };
    record.targets.push(targetHistory);
    context.deliver(rule, target, targetHistory, id, delivery);
  }
  if (resumed.size > 0) {
    log.info('eventbridge: pending deliveries resumed', {
      events: resumed.size,
      deliveries: [...resumed.values()].reduce((sum, record) => sum + record.targets.length, 0),
    });
  }
}
