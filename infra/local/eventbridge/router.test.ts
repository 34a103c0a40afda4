// Routing: which rules of which bus an event matches, and forwarding to an event bus target.
import { describe, expect, it } from 'vitest';
import { queueRule, useBridges } from './test-support/bridge.ts';
import { BUS_ARN, DEFAULT_BUS_ARN, entry, QUEUE_ARN, ruleResource } from './test-support/fixtures.ts';

const setup = useBridges();

describe('routing', () => {
  it('does not deliver an event that matches no rule', async () => {
    // Prepare
    const { bridge, queues } = setup([queueRule('to-queue')]);
    // Act
    await bridge.putEvents([entry({ Source: 'app.other' })]);
    await bridge.settled();
    // Assess
    expect(queues.sent).toEqual([]);
  });

  it('does not match a disabled rule', async () => {
    // Prepare
    const { bridge, queues } = setup([queueRule('off', { State: 'DISABLED' })]);
    // Act
    await bridge.putEvents([entry()]);
    await bridge.settled();
    // Assess
    expect(queues.sent).toEqual([]);
  });

  it('only routes to the rules of the bus the event was put on', async () => {
    // Prepare
    const { bridge, queues } = setup([queueRule('on-custom-bus')]);
    // Act
    await bridge.putEvents([entry({ EventBusName: undefined })]);
    await bridge.settled();
    // Assess
    expect(queues.sent).toEqual([]);
  });

  it('accepts the bus by ARN', async () => {
    // Prepare
    const { bridge, queues } = setup([queueRule('to-queue')]);
    // Act
    await bridge.putEvents([entry({ EventBusName: BUS_ARN })]);
    await bridge.settled();
    // Assess
    expect(queues.to(QUEUE_ARN)).toHaveLength(1);
  });

  it('reads a pattern given as a JSON string in the template', async () => {
    // Prepare
    const { bridge, queues } = setup([
      queueRule('json-text', { EventPattern: '{"detail":{"amount":[{"numeric":[">",40]}]}}' }),
    ]);
    // Act
    await bridge.putEvents([entry()]);
    await bridge.settled();
    // Assess
    expect(queues.to(QUEUE_ARN)).toHaveLength(1);
  });

  it('forwards an event to an event bus target, whose rules then route it', async () => {
    // Prepare
    const { bridge, queues } = setup([
      ruleResource('to-default-bus', {
        EventBusName: 'my-bus',
        EventPattern: { source: ['app.orders'] },
        Targets: [{ Id: 'bus', Arn: DEFAULT_BUS_ARN }],
      }),
      ruleResource('on-default-bus', {
        EventPattern: { source: ['app.orders'] },
        Targets: [{ Id: 'q', Arn: QUEUE_ARN }],
      }),
    ]);
    // Act
    const { Entries } = await bridge.putEvents([entry()]);
    await bridge.settled();
    // Assess
    expect(queues.to(QUEUE_ARN).map((m) => JSON.parse(m.body).id)).toEqual([Entries[0]?.EventId]);
  });
});
