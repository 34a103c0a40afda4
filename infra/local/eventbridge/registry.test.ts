// The template's buses and rules as the registry reads them.
import { describe, expect, it } from 'vitest';
import { queueRule, useBridges } from './test-support/bridge.ts';
import { QUEUE_ARN, ruleArn } from './test-support/fixtures.ts';

const setup = useBridges();

describe('registry', () => {
  it('refuses a template whose rule pattern is invalid, naming the rule', () => {
    // Prepare
    const resources = [queueRule('bad', { EventPattern: { source: 'app.orders' } })];
    // Act
    const act = () => setup(resources);
    // Assess
    expect(act).toThrow(/badRule: Event pattern is not valid/);
  });

  it('lists the rules with their bus, pattern and targets', () => {
    // Prepare
    const { bridge } = setup([queueRule('to-queue')]);
    // Act
    const rules = bridge.rules();
    // Assess
    expect(rules).toEqual([
      {
        name: 'to-queue',
        arn: ruleArn('to-queue'),
        eventBusName: 'my-bus',
        state: 'ENABLED',
        eventPattern: '{"source":["app.orders"]}',
        targets: [{ Id: 'queue', Arn: QUEUE_ARN }],
      },
    ]);
  });
});
