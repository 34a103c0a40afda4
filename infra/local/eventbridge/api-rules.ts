// The rule and bus operations of the API: ListRules, DescribeRule, ListTargetsByRule and the bus reads.
import { type Operations, page, str } from './api-params.ts';
import { authorize } from './authorize.ts';
import type { LocalEventBridge } from './bus.ts';
import { EventBridgeApiError } from './errors.ts';
import type { RuleInfo } from './types.ts';

function ruleView(rule: RuleInfo, accountId: string) {
  return {
    Name: rule.name,
    Arn: rule.arn,
    EventPattern: rule.eventPattern,
    ScheduleExpression: rule.scheduleExpression,
    State: rule.state,
    Description: rule.description,
    EventBusName: rule.eventBusName,
    CreatedBy: accountId,
  };
}

/** The rule and bus operations, answered from the bridge's registry. */
export function ruleOperations(bridge: LocalEventBridge): Operations {
  const requireBus = (nameOrArn: string | undefined) => {
    const bus = bridge.findBus(nameOrArn);
    if (!bus)
      throw new EventBridgeApiError('ResourceNotFoundException', `Event bus ${nameOrArn} does not exist.`);
    return bus;
  };

  const requireRule = (name: string, busNameOrArn: string | undefined) => {
    const bus = requireBus(busNameOrArn);
    const rule = bridge.rules().find((r) => r.name === name && r.eventBusName === bus.name);
    if (!rule) {
      throw new EventBridgeApiError(
        'ResourceNotFoundException',
        `Rule ${name} does not exist on EventBus ${bus.name}.`,
      );
    }
    return rule;
  };

  return {
    ListRules: (params, caller) => {
      authorize(caller, 'ListRules', '*');
      const bus = requireBus(str(params, 'EventBusName'));
      const prefix = str(params, 'NamePrefix') ?? '';
      const rules = bridge
        .rules()
        .filter((rule) => rule.eventBusName === bus.name && rule.name.startsWith(prefix))
        .sort((a, b) => a.name.localeCompare(b.name));
      const { items, nextToken } = page(rules, params);
      return { Rules: items.map((rule) => ruleView(rule, bridge.accountId)), NextToken: nextToken };
    },

    DescribeRule: (params, caller) => {
      const rule = requireRule(str(params, 'Name', true), str(params, 'EventBusName'));
      authorize(caller, 'DescribeRule', rule.arn);
      return ruleView(rule, bridge.accountId);
    },

    ListTargetsByRule: (params, caller) => {
      const rule = requireRule(str(params, 'Rule', true), str(params, 'EventBusName'));
      authorize(caller, 'ListTargetsByRule', rule.arn);
      const { items, nextToken } = page(rule.targets, params);
      return { Targets: items, NextToken: nextToken };
    },

    DescribeEventBus: (params, caller) => {
      const bus = requireBus(str(params, 'Name'));
      authorize(caller, 'DescribeEventBus', bus.arn);
      return { Name: bus.name, Arn: bus.arn };
    },

    ListEventBuses: (params, caller) => {
      authorize(caller, 'ListEventBuses', '*');
      const prefix = str(params, 'NamePrefix') ?? '';
      const { items, nextToken } = page(
        bridge.buses().filter((bus) => bus.name.startsWith(prefix)),
        params,
      );
      return { EventBuses: items.map((bus) => ({ Name: bus.name, Arn: bus.arn })), NextToken: nextToken };
    },
  };
}
