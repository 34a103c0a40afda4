// Delivery of an event to one rule target: AWS's retry policy with backoff, then the dead-letter queue.
import { randomUUID } from 'node:crypto';
import type { Journal } from '../durability/journal.ts';
import type { LocalLogger, QueueSender } from '../model.ts';
import type { DeliveryHistory } from './history.ts';
import type { PendingDelivery } from './pending-deliveries.ts';
import type { AttemptFailure } from './target.ts';
import type { BackgroundTasks } from './tasks.ts';
import type { EventEnvelope, Rule, TargetConfig, TargetHistory } from './types.ts';

// AWS's documented defaults for a rule target: 185 retries over at most 24 hours.
const DEFAULT_MAX_RETRIES = 185;
const DEFAULT_MAX_AGE_SECONDS = 86_400;
const MAX_RETRY_DELAY_MS = 60_000;

// An attempt under way when the local cloud stopped has an unknown outcome: it counts as failed (as a
// crashed attempt does on AWS) and the retry policy decides what follows.
const INTERRUPTED: AttemptFailure = {
  code: 'SDK_CLIENT_ERROR',
  message: 'The local cloud stopped during this attempt',
  retryable: true,
};

type ReportBase = { eventId: string; ruleName: string; ruleArn: string; targetId: string; targetArn: string };

export interface TargetDeliveriesOptions {
  /** The pending deliveries journal: each delivery is kept there until it ends. */
  journal: Journal;
  history: DeliveryHistory;
  tasks: BackgroundTasks;
  queues: QueueSender;
  log: LocalLogger;
  now: () => Date;
  /** First retry delay; later ones double (with jitter) up to a minute. */
  retryBaseDelayMs: number;
  /** One attempt at the target; undefined when delivered. */
  attempt(
    rule: Rule,
    target: TargetConfig,
    event: EventEnvelope,
    receivedAt: Date,
  ): Promise<AttemptFailure | undefined>;
}

/** Runs target deliveries in the background, journaling their progress. */
export class TargetDeliveries {
  constructor(private readonly options: TargetDeliveriesOptions) {}

  /** Journals a new delivery of an event to a rule's target, then starts it. */
  begin(
    rule: Rule,
    target: TargetConfig,
    event: EventEnvelope,
    receivedAt: Date,
    history: TargetHistory,
  ): void {
    const id = randomUUID();
    const delivery: PendingDelivery = {
      event,
      eventBusName: rule.eventBusName,
      ruleName: rule.name,
      targetId: target.Id,
      receivedAt: receivedAt.toISOString(),
      attempts: 0,
    };
    this.options.journal.set(id, delivery);
    this.start(rule, target, history, id, delivery);
  }

  /** Starts a journaled delivery in the background, where it was (a new one starts at its first attempt). */
  start(
    rule: Rule,
    target: TargetConfig,
    history: TargetHistory,
    id: string,
    delivery: PendingDelivery,
  ): void {
    this.options.tasks.track(this.deliver(rule, target, history, id, delivery));
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
      waitMs = Math.max(0, delivery.retryAt - this.options.now().getTime());
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
        if (this.options.now().getTime() + waitMs - receivedAt.getTime() > maxAgeMs) {
          exhausted = 'MaximumEventAgeInSeconds';
          break;
        }
        this.options.history.emit({
          kind: 'target',
          outcome: 'retrying',
          retries: history.retries,
          errorCode: failure.code,
          errorMessage: failure.message,
          ...base,
        });
        delivery.retryAt = this.options.now().getTime() + waitMs;
        delivery.lastFailure = { code: failure.code, message: failure.message };
        this.options.journal.set(id, delivery);
      }
      if (waitMs !== undefined) {
        const slept = await this.options.tasks.sleep(waitMs);
        waitMs = undefined;
        // Stopping: the journal keeps the delivery for the next start.
        if (!slept) return;
      }
      history.attempts++;
      history.retries = history.attempts - 1;
      delivery.attempts = history.attempts;
      delete delivery.retryAt;
      this.options.journal.set(id, delivery);
      failure = await this.options.attempt(rule, target, event, receivedAt);
      if (!failure) {
        history.status = 'delivered';
        this.options.journal.delete(id);
        this.options.history.emit({
          kind: 'target',
          outcome: 'delivered',
          retries: history.retries,
          ...base,
        });
        return;
      }
    }
    await this.deadLetter(rule, target, event, history, failure ?? INTERRUPTED, exhausted, base);
    this.options.journal.delete(id);
  }

  private async deadLetter(
    rule: Rule,
    target: TargetConfig,
    event: EventEnvelope,
    history: TargetHistory,
    failure: AttemptFailure,
    exhausted: string,
    base: ReportBase,
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
        this.options.history.emit({
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
    this.options.history.emit({
      kind: 'target',
      outcome: 'dropped',
      retries: history.retries,
      ...failureFields,
      ...base,
    });
  }

  private backoff(attempt: number): number {
    const exponential = Math.min(MAX_RETRY_DELAY_MS, this.options.retryBaseDelayMs * 2 ** (attempt - 1));
    // Jitter as AWS documents, between half and all of the exponential delay.
    return Math.round(exponential * (0.5 + Math.random() * 0.5));
  }
}
