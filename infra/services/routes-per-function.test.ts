// Least privilege on the internal API, function by function: for every function of the app, the
// exact internal routes its role may invoke, as IAM decides it (allows minus explicit denies, with
// IAM's `*` matching `/`). A public function may call only what its own operation needs; the
// Scheduler's ingest functions need none (they call no other service). Bundling is skipped: the
// template is the same.
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { SOURCES } from '../../events/catalog.ts';
import { STAGE_EVENT_TYPES as PROJECTED_EVENT_TYPES } from '../../functions/scheduler/core/stages.ts';
import { UNSTARTED_INDEX as STORE_UNSTARTED_INDEX } from '../../functions/scheduler/core/store.ts';
import { UNSTARTED_INDEX } from '../constructs/stateful.ts';
import { createApp, type DroneDeliveryStack } from '../stack.ts';
import { STAGE_EVENT_TYPES } from './scheduler.ts';

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties: Json;
}
interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
}

const SCHEDULER_DOWNSTREAMS = [
  'GET /accounts/{accountId}',
  'PUT /packages/{deliveryId}',
  'DELETE /packages/{deliveryId}',
  'GET /packages/{deliveryId}',
  'PUT /drones/assignments/{deliveryId}',
  'DELETE /drones/assignments/{deliveryId}',
  'PUT /deliveries/{deliveryId}',
  'PUT /deliveries/{deliveryId}/schedule',
  'PUT /deliveries/{deliveryId}/reschedule',
  'PUT /deliveries/{deliveryId}/reschedule-rejection',
  'PUT /deliveries/{deliveryId}/waiting',
  'DELETE /deliveries/{deliveryId}',
  'PUT /deliveries/{deliveryId}/failure',
  'GET /deliveries/{deliveryId}',
];

/** Every function of the app (`service/id`) and the internal routes it may invoke; nothing else may. */
const ROUTES_PER_FUNCTION: Record<string, string[]> = {
  // Public ingest: its table and its queue only.
  'scheduler/Schedule': [],
  'scheduler/Reschedule': [],
  'scheduler/Cancel': [],
  // The Scheduler Agent and its supervisor drive the other services.
  'scheduler/Workflow': SCHEDULER_DOWNSTREAMS,
  'scheduler/Supervisor': SCHEDULER_DOWNSTREAMS,
  'scheduler/GetRequest': [],
  'scheduler/SweepRequests': [],
  'scheduler/RecordDeliveryStage': [],
  // Moves waiting schedules between its two queues: no other service.
  'scheduler/ForwardWaits': [],
  'accounts/GetAccount': [],
  'accounts/AddAccountClaim': [],
  'accounts/SeedDemoData': [],
  'package/PutPackage': [],
  'package/CancelPackage': [],
  'package/GetPackage': [],
  'drone/AssignDrone': [],
  'drone/ReleaseDrone': [],
  'drone/IngestTelemetry': [],
  'drone/Simulator': ['POST /drones/{droneId}/telemetry'],
  'drone/SeedFleet': [],
  'drone/SweepOutboxes': [],
  'delivery/PutDelivery': [],
  'delivery/ScheduleDelivery': [],
  'delivery/RescheduleDelivery': [],
  'delivery/RejectReschedule': [],
  'delivery/MarkWaiting': [],
  'delivery/CancelDelivery': [],
  'delivery/FailDelivery': [],
  'delivery/GetDeliveryInternal': [],
  'delivery/ListSubscriptions': [],
  // A delivery accepted but not created yet is read from the Scheduler's stored request.
  'delivery/GetDelivery': ['GET /requests/{deliveryId}'],
  'delivery/ListDeliveries': [],
  'delivery/RequestNotification': ['GET /requests/{deliveryId}'],
  'delivery/TrackDroneEvents': [],
  'delivery/SweepOutboxes': [],
  'history/RecordEvent': [],
  'history/GetHistory': ['GET /requests/{deliveryId}'],
  'notifications/SendNotifications': ['GET /deliveries/{deliveryId}/subscriptions'],
  'openapi/GetOpenApi': [],
};

function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function refTo(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const json = value as Json;
  if (typeof json.Ref === 'string') return json.Ref;
  const getAtt = json['Fn::GetAtt'];
  return Array.isArray(getAtt) ? String(getAtt[0]) : undefined;
}

function globMatches(glob: string, value: string): boolean {
  const pattern = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${pattern}$`).test(value);
}

/** The literal tail of an execute-api ARN built with Fn::Join, e.g. `/*\/GET/accounts/*`. */
function executeApiTail(resource: unknown): string {
  const join = (resource as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return String(join[1].at(-1));
}

let stack: DroneDeliveryStack;
let resources: Record<string, Resource>;
let routeKeys: string[];

beforeAll(() => {
  ({ stack } = createApp({ context: { stage: 'dev' }, skipBundling: true }));
  resources = (Template.fromStack(stack).toJSON() as { Resources: Record<string, Resource> }).Resources;
  routeKeys = stack.internalApi.routes.map((route) => {
    const { method, path } = stack.internalApi.keyOf(route);
    return `${method} ${path}`;
  });
});

const logicalId = (element: unknown) => stack.getLogicalId(element as CfnElement);

describe('internal routes per function (dev stack)', () => {
  /** The route keys a role may invoke: allowed by some statement and denied by none. */
  function invocableRoutes(roleId: string): string[] {
    const statements = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .filter((policy) =>
        asArray(policy.Properties.Roles as unknown[]).some((role) => refTo(role) === roleId),
      )
      .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((statement) => asArray(statement.Action).includes('execute-api:Invoke'));
    const tails = (effect: Statement['Effect']) =>
      statements
        .filter((statement) => statement.Effect === effect)
        .flatMap((statement) => asArray(statement.Resource as unknown[]))
        .map(executeApiTail);
    const allows = tails('Allow');
    const denies = tails('Deny');
    return routeKeys.filter((key) => {
      const [method, routePath] = key.split(' ') as [string, string];
      const request = `/$default/${method}${routePath}`;
      return (
        allows.some((tail) => globMatches(tail, request)) &&
        !denies.some((tail) => globMatches(tail, request))
      );
    });
  }

  function appFunctions() {
    return Object.values(stack.services).flatMap((service) =>
      service.functions.map((fn) => ({ name: `${fn.service}/${fn.node.id}`, fn })),
    );
  }

  it('lists every function of the app, and only those', () => {
    expect(
      appFunctions()
        .map(({ name }) => name)
        .sort(),
    ).toEqual(Object.keys(ROUTES_PER_FUNCTION).sort());
  });

  it('lets each function invoke exactly the internal routes of its operation', () => {
    for (const { name, fn } of appFunctions()) {
      const roleId = logicalId(fn.role?.node.defaultChild);

      expect(invocableRoutes(roleId).sort(), name).toEqual(
        [...(ROUTES_PER_FUNCTION[name] ?? ['unlisted'])].sort(),
      );
    }
  });

  it('lets no other role of the stack (deployment helpers) invoke any internal route', () => {
    const appRoles = new Set(appFunctions().map(({ fn }) => logicalId(fn.role?.node.defaultChild)));
    const otherRoles = Object.entries(resources)
      .filter(([id, resource]) => resource.Type === 'AWS::IAM::Role' && !appRoles.has(id))
      .map(([id]) => id);

    for (const roleId of otherRoles) expect(invocableRoutes(roleId), roleId).toEqual([]);
  });

  it('gives the public ingest functions neither a grant nor the address of the internal API', () => {
    for (const id of ['Schedule', 'Reschedule', 'Cancel']) {
      const fn = stack.services.scheduler.functions.find((candidate) => candidate.node.id === id);
      const environment = resources[logicalId(fn?.node.defaultChild)]?.Properties.Environment as
        | { Variables: Json }
        | undefined;
      const variables = environment?.Variables ?? {};

      expect(variables.INTERNAL_API_URL, id).toBeUndefined();
      expect(Object.keys(variables), id).toEqual(
        expect.arrayContaining(['TABLE_NAME', 'REQUESTS_QUEUE_URL']),
      );
    }
  });
});

describe('the scheduler’s sweeper and stage projection (dev stack)', () => {
  const functionNamed = (id: string) => stack.services.scheduler.functions.find((fn) => fn.node.id === id);

  it('indexes unstarted requests sparsely on the scheduler table under the names the code queries', () => {
    const table = resources[logicalId(stack.stateful.tables.scheduler.node.defaultChild)];

    expect(UNSTARTED_INDEX).toBe(STORE_UNSTARTED_INDEX.name);
    expect(table?.Properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: STORE_UNSTARTED_INDEX.name,
        KeySchema: [
          { AttributeName: STORE_UNSTARTED_INDEX.partitionKey, KeyType: 'HASH' },
          { AttributeName: STORE_UNSTARTED_INDEX.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...STORE_UNSTARTED_INDEX.projected] },
      },
    ]);
  });

  it('runs the sweeper every minute with a target DLQ, and lets it query only the unstarted index', () => {
    const sweeper = functionNamed('SweepRequests');
    const sweeperArn = logicalId(sweeper?.node.defaultChild);
    const [, rule] =
      Object.entries(resources).find(
        ([, resource]) =>
          resource.Type === 'AWS::Events::Rule' &&
          (resource.Properties.Targets as Json[] | undefined)?.some(
            (target) => refTo(target.Arn) === sweeperArn,
          ),
      ) ?? [];
    const policies = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .map((policy) => JSON.stringify(policy.Properties.PolicyDocument));

    expect(rule?.Properties.ScheduleExpression).toBe('rate(1 minute)');
    const targets = (rule?.Properties.Targets ?? []) as Json[];
    expect(targets[0]?.DeadLetterConfig).toBeDefined();
    expect(policies.filter((policy) => policy.includes(`/index/${UNSTARTED_INDEX}`))).toHaveLength(1);
    const sweeperPolicy = Object.values(resources).find(
      (resource) =>
        resource.Type === 'AWS::IAM::Policy' &&
        asArray(resource.Properties.Roles as unknown[]).some(
          (role) => refTo(role) === logicalId(sweeper?.role?.node.defaultChild),
        ),
    );
    expect(JSON.stringify(sweeperPolicy?.Properties.PolicyDocument)).toContain(`/index/${UNSTARTED_INDEX}`);
    expect(JSON.stringify(sweeperPolicy?.Properties.PolicyDocument)).not.toContain('dynamodb:Scan');
  });

  it('subscribes the stage projection to exactly the delivery events the code maps', () => {
    const rule = resources[logicalId(stack.services.scheduler.stageEvents.rule.node.defaultChild)];

    expect([...STAGE_EVENT_TYPES].sort()).toEqual([...PROJECTED_EVENT_TYPES].sort());
    expect(rule?.Properties.EventPattern).toEqual({
      source: [SOURCES.deliveries],
      'detail-type': [...STAGE_EVENT_TYPES],
    });
  });
});
