// Scheduled rules: timers that put AWS's "Scheduled Event" on the rule's bus for rate() and cron() rules.
import { randomUUID } from 'node:crypto';
import { eventTime } from './put-events.ts';
import type { Registry } from './registry.ts';
import { nextFireTime, type Schedule } from './schedule.ts';
import type { EventEnvelope, Rule } from './types.ts';

const MAX_TIMER_MS = 2 ** 31 - 1;

export interface SchedulerOptions {
  registry: Registry;
  now: () => Date;
  /** Delivers an event to the targets of the given rules. */
  dispatch(event: EventEnvelope, eventBusName: string, rules: Rule[]): void;
}

/** Fires the enabled scheduled rules of the registry between start() and stop(). */
export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private running = false;

  constructor(private readonly options: SchedulerOptions) {}

  /** Starts schedules. Local choice: a rate() rule fires once at start, then every period, so that a local
   * system does not wait a whole period after boot; cron() rules fire at their next matching minute. */
  start(): void {
    this.running = true;
    for (const rule of this.options.registry.allRules()) {
      if (rule.state !== 'ENABLED' || !rule.schedule) continue;
      const schedule = rule.schedule;
      if (schedule.kind === 'rate') {
        this.fire(rule);
        const timer = setInterval(() => this.fire(rule), schedule.periodMs);
        timer.unref();
        this.timers.add(timer);
      } else {
        this.scheduleCron(rule, schedule);
      }
    }
  }

  /** Stops every timer. */
  stop(): void {
    this.running = false;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private scheduleCron(rule: Rule, schedule: Schedule): void {
    const { now } = this.options;
    const next = nextFireTime(schedule, now());
    if (!next || !this.running) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, next.getTime() - now().getTime()));
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.running) return;
      if (now().getTime() >= next.getTime()) this.fire(rule);
      this.scheduleCron(rule, schedule);
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  private fire(rule: Rule): void {
    const { registry } = this.options;
    const event: EventEnvelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: registry.accountId,
      time: eventTime(this.options.now()),
      region: registry.region,
      resources: [rule.arn],
      detail: {},
    };
    this.options.dispatch(event, rule.eventBusName, [rule]);
  }
}
