// The Drone service as deployed: the outbox sweeper (its schedule, its grace period derived from the
// telemetry function's timeout, its grants: the outbox index of its own table by Query, never a Scan;
// the bus), and the booking of drones in time (the dispatch index, read by Query by the assignment
// and the simulator, never a Scan of the fleet). Bundling is skipped: the template is the same.
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DISPATCH_INDEX, DISPATCH_PROJECTED_ATTRIBUTES } from '../../functions/drone/core/keys.ts';
import { OUTBOX_INDEX as STORE_OUTBOX_INDEX } from '../../shared/outbox.ts';
import { DRONE_DISPATCH_INDEX, OUTBOX_INDEX } from '../constructs/stateful.ts';
import { createApp, type DroneDeliveryStack } from '../stack.ts';
import { asArray, type Json, type Resource, type Statement } from '../test-support/template.ts';

let stack: DroneDeliveryStack;
let resources: Record<string, Resource>;

beforeAll(() => {
  ({ stack } = createApp({
    context: { stage: 'prod', notificationFromAddress: 'noreply@example.com' },
    skipBundling: true,
  }));
  resources = (Template.fromStack(stack).toJSON() as { Resources: Record<string, Resource> }).Resources;
});

const idOf = (element: unknown) => stack.getLogicalId(element as CfnElement);

function statementsOf(roleId: string): Statement[] {
  return Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((policy) => asArray(policy.Properties.Roles as Json[]).some((role) => role.Ref === roleId))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actionsOf = (statements: Statement[]) => statements.flatMap((statement) => asArray(statement.Action));

describe('the drone outbox sweeper', () => {
  it('uses the index name the store queries', () => {
    expect(OUTBOX_INDEX).toBe(STORE_OUTBOX_INDEX);
  });

  it('has a keys-only sparse outbox index on the Drone table', () => {
    const table = resources[idOf(stack.stateful.tables.drone.node.defaultChild)]!;

    expect(table.Properties.GlobalSecondaryIndexes).toContainEqual({
      IndexName: OUTBOX_INDEX,
      KeySchema: [
        { AttributeName: 'outboxShard', KeyType: 'HASH' },
        { AttributeName: 'outboxSince', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    });
  });

  it('runs every minute in every stage, with a dead-letter queue for the schedule', () => {
    const sweeperId = idOf(stack.services.drone.outboxSweeper.node.defaultChild);
    const rules = Object.values(resources).filter(
      (resource) =>
        resource.Type === 'AWS::Events::Rule' &&
        (resource.Properties.Targets as Json[] | undefined)?.some(
          (target) => (target.Arn as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt']?.[0] === sweeperId,
        ),
    );

    expect(rules).toHaveLength(1);
    const [rule] = rules as [Resource];
    expect(rule.Properties.ScheduleExpression).toBe('rate(1 minute)');
    expect((rule.Properties.Targets as Json[])[0]?.DeadLetterConfig).toBeDefined();
  });

  it('waits three telemetry timeouts before it takes a batch, and ends before the next run', () => {
    const telemetry = stack.services.drone.functions.find((fn) => fn.node.id === 'IngestTelemetry')!;
    const sweeper = resources[idOf(stack.services.drone.outboxSweeper.node.defaultChild)]!;
    const telemetryTimeout = resources[idOf(telemetry.node.defaultChild)]!.Properties.Timeout as number;

    expect(sweeper.Properties.Timeout).toBeLessThan(60);
    expect((sweeper.Properties.Environment as { Variables: Json }).Variables.OUTBOX_GRACE_SECONDS).toBe(
      String(3 * telemetryTimeout),
    );
  });

  it('may query the outbox index of its own table, never scan, and put events on the bus', () => {
    const roleId = idOf(stack.services.drone.outboxSweeper.role?.node.defaultChild);
    const statements = statementsOf(roleId);
    const tableId = idOf(stack.stateful.tables.drone.node.defaultChild);
    const indexGrant = statements.find((statement) =>
      JSON.stringify(statement.Resource).includes(`/index/${OUTBOX_INDEX}`),
    );

    expect(actionsOf(statements)).not.toContain('dynamodb:Scan');
    expect(actionsOf(statements)).toEqual(
      expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:UpdateItem', 'events:PutEvents']),
    );
    expect(indexGrant?.Action).toBe('dynamodb:Query');
    expect(JSON.stringify(indexGrant?.Resource)).toContain(`"${tableId}"`);
    const otherTables = Object.entries(stack.stateful.tables)
      .filter(([service]) => service !== 'drone')
      .map(([, table]) => idOf(table.node.defaultChild));
    for (const other of otherTables) {
      expect(JSON.stringify(statements)).not.toContain(`"${other}"`);
    }
  });

  it('leaves the telemetry function without index or scan access', () => {
    const telemetry = stack.services.drone.functions.find((fn) => fn.node.id === 'IngestTelemetry')!;
    const statements = statementsOf(idOf(telemetry.role?.node.defaultChild));

    expect(actionsOf(statements)).not.toContain('dynamodb:Scan');
    expect(JSON.stringify(statements)).not.toContain('/index/');
  });
});

describe('drones booked in time', () => {
  let dev: { stack: DroneDeliveryStack; resources: Record<string, Resource> };

  beforeAll(() => {
    const { stack: devStack } = createApp({ context: { stage: 'dev' }, skipBundling: true });
    dev = {
      stack: devStack,
      resources: (Template.fromStack(devStack).toJSON() as { Resources: Record<string, Resource> }).Resources,
    };
  });

  const fn = (target: DroneDeliveryStack, id: string) =>
    target.services.drone.functions.find((f) => f.node.id === id)!;
  const statementsIn = (
    target: { stack: DroneDeliveryStack; resources: Record<string, Resource> },
    id: string,
  ) => {
    const roleId = target.stack.getLogicalId(fn(target.stack, id).role?.node.defaultChild as CfnElement);
    return Object.values(target.resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .filter((policy) => asArray(policy.Properties.Roles as Json[]).some((role) => role.Ref === roleId))
      .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  };

  it('declares the dispatch index under the name and projection the store uses', () => {
    const table = resources[idOf(stack.stateful.tables.drone.node.defaultChild)]!;

    expect(DRONE_DISPATCH_INDEX).toBe(DISPATCH_INDEX);
    expect(table.Properties.GlobalSecondaryIndexes).toContainEqual({
      IndexName: DISPATCH_INDEX,
      KeySchema: [
        { AttributeName: 'dispatchPk', KeyType: 'HASH' },
        { AttributeName: 'dispatchSk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: DISPATCH_PROJECTED_ATTRIBUTES },
    });
  });

  it('lets the assignment query the dispatch index of its own table, never scan the fleet', () => {
    const statements = statementsOf(idOf(fn(stack, 'AssignDrone').role?.node.defaultChild));
    const indexGrant = statements.find((statement) =>
      JSON.stringify(statement.Resource).includes(`/index/${DISPATCH_INDEX}`),
    );

    expect(actionsOf(statements)).not.toContain('dynamodb:Scan');
    expect(actionsOf(statements)).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:PutItem']));
    expect(indexGrant?.Action).toBe('dynamodb:Query');
  });

  it('sizes bookings to the nominal flights in prod, to the simulated ones in dev', () => {
    const variables = (
      target: { stack: DroneDeliveryStack; resources: Record<string, Resource> },
      id: string,
    ) =>
      (
        target.resources[target.stack.getLogicalId(fn(target.stack, id).node.defaultChild as CfnElement)]!
          .Properties.Environment as { Variables: Json }
      ).Variables;

    expect(variables({ stack, resources }, 'AssignDrone').FLIGHT_TIME_SCALE).toBe('1');
    expect(variables(dev, 'AssignDrone').FLIGHT_TIME_SCALE).toBe(
      variables(dev, 'Simulator').SIMULATOR_SPEED_FACTOR,
    );
    expect(variables(dev, 'SeedFleet').FLIGHT_TIME_SCALE).toBe(
      variables(dev, 'Simulator').SIMULATOR_SPEED_FACTOR,
    );
  });

  it('lets the simulator read the dispatch index and the drones, never scan or write the table', () => {
    const statements = statementsIn(dev, 'Simulator');

    expect(actionsOf(statements)).not.toContain('dynamodb:Scan');
    expect(actionsOf(statements)).not.toContain('dynamodb:PutItem');
    expect(actionsOf(statements)).not.toContain('dynamodb:UpdateItem');
    expect(JSON.stringify(statements)).toContain(`/index/${DISPATCH_INDEX}`);
  });
});
