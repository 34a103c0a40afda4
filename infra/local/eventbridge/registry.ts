// The buses and rules (with their targets) a resolved template declares, and lookups by name or ARN.
import type { ResolvedStack } from '../model.ts';
import { compilePattern } from './pattern.ts';
import { parseSchedule } from './schedule.ts';
import type { BusInfo, Rule, RuleInfo, TargetConfig } from './types.ts';
import { optionalString } from './values.ts';

/** The template's resource fields a rule or an archive is read from. */
export interface ResourceRef {
  logicalId: string;
  physicalName: string;
  attributes: Record<string, string>;
}

/** The buses (`default` and the template's) and the template's rules, read once at construction. */
export class Registry {
  readonly region: string;
  readonly accountId: string;
  private readonly busesByName = new Map<string, BusInfo>();
  private readonly rulesList: Rule[] = [];

  constructor(stack: ResolvedStack) {
    this.region = stack.region;
    this.accountId = stack.accountId;
    this.busesByName.set('default', { name: 'default', arn: this.busArn('default') });
    const resources = [...stack.resources.values()];
    for (const resource of resources) {
      if (resource.type === 'AWS::Events::EventBus') {
        const name = optionalString(resource.properties.Name) ?? resource.physicalName;
        this.busesByName.set(name, { name, arn: resource.attributes.Arn ?? this.busArn(name) });
      }
    }
    for (const resource of resources) {
      if (resource.type === 'AWS::Events::Rule')
        this.rulesList.push(this.ruleFrom(resource.properties, resource));
    }
  }

  /** The ARN of the bus of that name in this account and region. */
  busArn(name: string): string {
    return `arn:aws:events:${this.region}:${this.accountId}:event-bus/${name}`;
  }

  private ruleFrom(properties: Record<string, unknown>, resource: ResourceRef): Rule {
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

  /** Every rule of the template, with its targets, as copies for tools and the API. */
  rules(): RuleInfo[] {
    return this.rulesList.map(({ pattern: _pattern, schedule: _schedule, ...info }) => structuredClone(info));
  }

  /** The rules themselves (patterns and schedules included), in template order. */
  allRules(): readonly Rule[] {
    return this.rulesList;
  }

  /** The rules of one bus, in template order. */
  rulesOn(busName: string): Rule[] {
    return this.rulesList.filter((rule) => rule.eventBusName === busName);
  }

  /** A rule by name and bus, as the pending deliveries journal names it. */
  findRule(name: string, busName: string): Rule | undefined {
    return this.rulesList.find((rule) => rule.name === name && rule.eventBusName === busName);
  }
}
