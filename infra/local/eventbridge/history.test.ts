// Observation: delivery reports to listeners and the history of an event by id.
import { describe, expect, it } from 'vitest';
import { queueRule, useBridges } from './test-support/bridge.ts';
import { entry, QUEUE_ARN, ruleArn } from './test-support/fixtures.ts';
import type { DeliveryReport } from './types.ts';

const setup = useBridges();

describe('observation', () => {
  it('reports the matched rules, the retries and the outcome of each target', async () => {
    // Prepare
    const { bridge, queues } = setup([queueRule('observed')]);
    const reports: DeliveryReport[] = [];
    bridge.subscribe((report) => reports.push(report));
    queues.failNext(QUEUE_ARN, 1);
    // Act
    const { Entries } = await bridge.putEvents([entry()]);
    await bridge.settled();
    // Assess
    const eventId = Entries[0]?.EventId;
    expect(
      reports.map((r) =>
        r.kind === 'matched' ? ['matched', r.matchedRules[0]?.name] : [r.outcome, r.retries],
      ),
    ).toEqual([
      ['matched', 'observed'],
      ['retrying', 0],
      ['delivered', 1],
    ]);
    expect(reports.every((r) => r.eventId === eventId)).toBe(true);
  });

  it('stops reporting to a listener that unsubscribed', async () => {
    // Prepare
    const { bridge } = setup([queueRule('observed')]);
    const reports: DeliveryReport[] = [];
    const unsubscribe = bridge.subscribe((report) => reports.push(report));
    unsubscribe();
    // Act
    await bridge.putEvents([entry()]);
    await bridge.settled();
    // Assess
    expect(reports).toEqual([]);
  });

  it('keeps the history of an event by id', async () => {
    // Prepare
    const { bridge } = setup([queueRule('kept')]);
    // Act
    const { Entries } = await bridge.putEvents([entry()]);
    await bridge.settled();
    // Assess
    expect(bridge.history(Entries[0]?.EventId ?? '')).toEqual([
      expect.objectContaining({
        eventBusName: 'my-bus',
        matchedRules: [{ name: 'kept', arn: ruleArn('kept') }],
        targets: [expect.objectContaining({ targetId: 'queue', targetArn: QUEUE_ARN, status: 'delivered' })],
      }),
    ]);
  });
});
