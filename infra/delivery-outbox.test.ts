// Assertions on the Delivery service's outbox sweeper in the synthesized template: the sparse index it
// reads, the schedule that runs it, a grace period above every Delivery call's timeout, and grants
// limited to the Delivery table, that index and PutEvents on the bus.
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { OUTBOX_INDEX, outboxIndexKey } from '../shared/outbox.ts';
import { createApp } from './stack.ts';
import { asArray, type Json, type Resource, type Statement } from './test-support/template.ts';

function synthesize(context: Record<string, unknown>) {
  const { stack } = createApp({ context, skipBundling: true });
  const resources = (Template.fromStack(stack).toJSON() as { Resources: Record<string, Resource> }).Resources;
  const idOf = (element: unknown) => stack.getLogicalId(element as CfnElement);
  return { stack, resources, idOf };
}

function refTo(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const json = value as Json;
  if (typeof json.Ref === 'string') return json.Ref;
  const getAtt = json['Fn::GetAtt'];
  return Array.isArray(getAtt) ? String(getAtt[0]) : undefined;
}

function statementsOfRole(resources: Record<string, Resource>, roleId: string): Statement[] {
  return Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((policy) => asArray(policy.Properties.Roles as unknown[]).some((role) => refTo(role) === roleId))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

function scheduleOf(resources: Record<string, Resource>, functionId: string) {
  return Object.values(resources).find(
    (resource) =>
      resource.Type === 'AWS::Events::Rule' &&
      resource.Properties.ScheduleExpression &&
      (resource.Properties.Targets as Json[]).some((target) => refTo(target.Arn) === functionId),
  );
}

describe('the Delivery outbox sweeper', () => {
  let dev: ReturnType<typeof synthesize>;
  let sweeperId: string;
  beforeAll(() => {
    dev = synthesize({ stage: 'dev' });
    sweeperId = dev.idOf(dev.stack.services.delivery.outboxSweeper.node.defaultChild);
  });

  it("gives the Delivery table the sparse, keys-only index with the outbox writer's names", () => {
    const table = dev.resources[dev.idOf(dev.stack.stateful.tables.delivery.node.defaultChild)];
    const [shard, since] = Object.keys(outboxIndexKey('DELIVERY#d-1', '2026-05-04T15:00:00.000Z'));

    const indexes = table?.Properties.GlobalSecondaryIndexes as Json[];

    expect(indexes).toContainEqual({
      IndexName: OUTBOX_INDEX,
      KeySchema: [
        { AttributeName: shard, KeyType: 'HASH' },
        { AttributeName: since, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    });
  });

  it('runs every minute, with a target dead-letter queue, and ends before the next run', () => {
    const rule = scheduleOf(dev.resources, sweeperId);
    const [target] = (rule?.Properties.Targets ?? []) as Json[];

    expect(rule?.Properties.ScheduleExpression).toBe('rate(1 minute)');
    expect(dev.resources[refTo(((target?.DeadLetterConfig ?? {}) as Json).Arn) ?? '']?.Type).toBe(
      'AWS::SQS::Queue',
    );
    expect(dev.resources[sweeperId]?.Properties.Timeout).toBeLessThan(60);
  });

  it('waits longer than any Delivery call can run before it takes an outbox', () => {
    const timeouts = dev.stack.services.delivery.functions
      .filter((fn) => fn !== dev.stack.services.delivery.outboxSweeper)
      .map((fn) => Number(dev.resources[dev.idOf(fn.node.defaultChild)]?.Properties.Timeout));
    const variables = ((dev.resources[sweeperId]?.Properties.Environment ?? {}) as { Variables: Json })
      .Variables;

    const grace = Number(variables.OUTBOX_GRACE_SECONDS);

    expect(timeouts.length).toBeGreaterThan(5);
    expect(grace).toBeGreaterThan(Math.max(...timeouts));
  });

  it('may use the Delivery table and its outbox index, and put events on the bus, nothing more', () => {
    const roleId = dev.idOf(dev.stack.services.delivery.outboxSweeper.role?.node.defaultChild);
    const tableId = dev.idOf(dev.stack.stateful.tables.delivery.node.defaultChild);
    const busId = dev.idOf(dev.stack.stateful.bus.node.defaultChild);

    const statements = statementsOfRole(dev.resources, roleId).filter(
      (statement) => !asArray(statement.Action).every((action) => /^(logs|xray):/.test(action)),
    );

    for (const statement of statements) {
      const resources = asArray(statement.Resource as unknown[]).map((resource) => JSON.stringify(resource));
      const actions = asArray(statement.Action);
      if (actions.every((action) => action.startsWith('dynamodb:'))) {
        expect(actions).not.toContain('dynamodb:Scan');
        for (const resource of resources) {
          expect(resource).toContain(`"${tableId}"`);
          if (resource.includes('/index/')) expect(resource).toContain(`/index/${OUTBOX_INDEX}`);
        }
      } else {
        expect(actions).toEqual(['events:PutEvents']);
        expect(resources.every((resource) => resource.includes(`"${busId}"`))).toBe(true);
      }
    }
    expect(statements.flatMap((statement) => asArray(statement.Action))).toEqual(
      expect.arrayContaining([
        'dynamodb:GetItem',
        'dynamodb:UpdateItem',
        'dynamodb:Query',
        'events:PutEvents',
      ]),
    );
  });

  it('runs in production stages too', () => {
    const prod = synthesize({ stage: 'prod', notificationFromAddress: 'noreply@example.com' });

    const rule = scheduleOf(
      prod.resources,
      prod.idOf(prod.stack.services.delivery.outboxSweeper.node.defaultChild),
    );

    expect(rule?.Properties.ScheduleExpression).toBe('rate(1 minute)');
  });
});
