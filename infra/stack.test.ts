// Assertions on what matters in the synthesized template: event patterns from the catalog,
// dead-letter queues and their alarms, route authorization and who may call which internal
// route, least-privilege policies, and the function defaults. Bundling is skipped here (the
// template is the same); infra/report-bundle-sizes.test.ts synthesizes with the real bundles.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { DELIVERY_EVENT_TYPES, DRONE_EVENT_TYPES, SOURCES } from '../events/catalog.ts';
import { STAGE_EVENT_TYPES } from './services/scheduler.ts';
import { createApp, type DroneDeliveryStack } from './stack.ts';

// The dev and prod templates are held to CDK's CloudFormation validation here (the test
// configuration turns it off elsewhere: vitest.config.ts).
vi.stubEnv('CDK_VALIDATION', 'true');

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties: Json;
  DeletionPolicy?: string;
  DependsOn?: string[];
}

interface Synthesized {
  stack: DroneDeliveryStack;
  template: Template;
  resources: Record<string, Resource>;
  outdir: string;
}

function synthesize(context: Record<string, unknown>): Synthesized {
  const { app, stack } = createApp({ context, skipBundling: true });
  const template = Template.fromStack(stack);
  const resources = (template.toJSON() as { Resources: Record<string, Resource> }).Resources;
  return { stack, template, resources, outdir: app.outdir };
}

function ofType(resources: Record<string, Resource>, type: string): [string, Resource][] {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

function logicalId(stack: DroneDeliveryStack, element: unknown): string {
  return stack.getLogicalId(element as CfnElement);
}

function refTo(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const json = value as Json;
  if (typeof json.Ref === 'string') {
    return json.Ref;
  }
  const getAtt = json['Fn::GetAtt'];
  return Array.isArray(getAtt) ? String(getAtt[0]) : undefined;
}

function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: Json;
}

/** The statements of every inline policy attached to a role. */
function statementsOfRole(resources: Record<string, Resource>, roleId: string): Statement[] {
  return ofType(resources, 'AWS::IAM::Policy')
    .filter(([, policy]) =>
      asArray(policy.Properties.Roles as unknown[]).some((role) => refTo(role) === roleId),
    )
    .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** The literal tail of an execute-api ARN built with Fn::Join, e.g. `/*\/GET/accounts/*`. */
function executeApiTail(resource: unknown): string {
  const join = (resource as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return String(join[1].at(-1));
}

function globMatches(glob: string, value: string): boolean {
  const pattern = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${pattern}$`).test(value);
}

/** The internal route keys (`GET /accounts/{accountId}`) a role may invoke, as IAM would decide. */
function invocableRoutes(resources: Record<string, Resource>, roleId: string, routeKeys: string[]): string[] {
  const statements = statementsOfRole(resources, roleId).filter((statement) =>
    asArray(statement.Action).includes('execute-api:Invoke'),
  );
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
      allows.some((tail) => globMatches(tail, request)) && !denies.some((tail) => globMatches(tail, request))
    );
  });
}

describe('the dev stack', () => {
  let dev: Synthesized;
  beforeAll(() => {
    dev = synthesize({ stage: 'dev' });
  });

  describe('event subscriptions', () => {
    function ruleOf(rule: unknown): Resource {
      return dev.resources[
        logicalId(dev.stack, (rule as { node: { defaultChild: unknown } }).node.defaultChild)
      ]!;
    }

    it.each([
      ['delivery tracking', () => dev.stack.services.delivery.tracking, SOURCES.drones, DRONE_EVENT_TYPES],
      ['history', () => dev.stack.services.history.subscription, SOURCES.deliveries, DELIVERY_EVENT_TYPES],
      [
        'notifications',
        () => dev.stack.services.notifications.subscription,
        SOURCES.deliveries,
        DELIVERY_EVENT_TYPES,
      ],
      [
        'scheduler stages',
        () => dev.stack.services.scheduler.stageEvents,
        SOURCES.deliveries,
        STAGE_EVENT_TYPES,
      ],
    ] as const)(
      'the %s rule matches the catalog constants on the custom bus',
      (_name, subscription, source, types) => {
        const rule = ruleOf(subscription().rule);

        expect(rule.Properties.EventPattern).toEqual({ source: [source], 'detail-type': [...types] });
        expect(refTo(rule.Properties.EventBusName)).toBe(
          logicalId(dev.stack, dev.stack.stateful.bus.node.defaultChild),
        );
      },
    );

    it('targets each subscriber queue with retries and a target dead-letter queue', () => {
      const rules = ofType(dev.resources, 'AWS::Events::Rule').filter(
        ([, rule]) => rule.Properties.EventBusName,
      );

      expect(rules).toHaveLength(4);
      for (const [, rule] of rules) {
        const target = (rule.Properties.Targets as Json[])[0] ?? {};
        const queueId = refTo(target.Arn)!;
        expect(dev.resources[queueId]?.Type).toBe('AWS::SQS::Queue');
        expect(dev.resources[queueId]?.Properties.RedrivePolicy).toBeDefined();
        expect(target.RetryPolicy).toMatchObject({
          MaximumRetryAttempts: 8,
          MaximumEventAgeInSeconds: 3600,
        });
        expect(dev.resources[refTo((target.DeadLetterConfig as Json).Arn)!]?.Type).toBe('AWS::SQS::Queue');
      }
    });
  });

  describe('queues', () => {
    function deadLetterQueueIds(): Set<string> {
      const fromRedrive = ofType(dev.resources, 'AWS::SQS::Queue').flatMap(([, queue]) =>
        asArray(refTo((queue.Properties.RedrivePolicy as Json | undefined)?.deadLetterTargetArn)),
      );
      const fromTargets = ofType(dev.resources, 'AWS::Events::Rule').flatMap(([, rule]) =>
        (rule.Properties.Targets as Json[]).flatMap((target) =>
          asArray(refTo((target.DeadLetterConfig as Json | undefined)?.Arn)),
        ),
      );
      return new Set([...fromRedrive, ...fromTargets]);
    }

    it('gives every queue a dead-letter queue unless it is the last stop of one', () => {
      const deadLetters = deadLetterQueueIds();
      const consumed = new Set(
        ofType(dev.resources, 'AWS::Lambda::EventSourceMapping').map(([, mapping]) =>
          refTo(mapping.Properties.EventSourceArn),
        ),
      );

      for (const [id, queue] of ofType(dev.resources, 'AWS::SQS::Queue')) {
        const isTerminalDeadLetter = deadLetters.has(id) && !consumed.has(id);
        expect(isTerminalDeadLetter || queue.Properties.RedrivePolicy !== undefined, id).toBe(true);
      }
    });

    it('alarms on the depth of every dead-letter queue, rule-target ones included', () => {
      const alarmedQueues = new Set(
        ofType(dev.resources, 'AWS::CloudWatch::Alarm')
          .filter(([, alarm]) => alarm.Properties.MetricName === 'ApproximateNumberOfMessagesVisible')
          .flatMap(([, alarm]) =>
            (alarm.Properties.Dimensions as Json[]).map((dimension) => refTo(dimension.Value)),
          ),
      );
      for (const id of deadLetterQueueIds()) {
        expect(alarmedQueues.has(id), id).toBe(true);
      }
    });

    it('alarms on the age of the oldest message of every consumed queue', () => {
      const alarmed = new Set(
        ofType(dev.resources, 'AWS::CloudWatch::Alarm')
          .filter(([, alarm]) => alarm.Properties.MetricName === 'ApproximateAgeOfOldestMessage')
          .flatMap(([, alarm]) =>
            (alarm.Properties.Dimensions as Json[]).map((dimension) => refTo(dimension.Value)),
          ),
      );
      const deliveryRequestsDlq = logicalId(
        dev.stack,
        dev.stack.services.scheduler.requestsDeadLetterQueue.node.defaultChild,
      );

      for (const [, mapping] of ofType(dev.resources, 'AWS::Lambda::EventSourceMapping')) {
        const queueId = refTo(mapping.Properties.EventSourceArn)!;
        // The supervisor's queue is a DLQ: its depth alarm fires first.
        expect(alarmed.has(queueId) || queueId === deliveryRequestsDlq, queueId).toBe(true);
      }
    });

    it('encrypts every queue with SQS-managed keys and denies requests without TLS', () => {
      const queues = ofType(dev.resources, 'AWS::SQS::Queue');
      const tlsOnly = new Set(
        ofType(dev.resources, 'AWS::SQS::QueuePolicy')
          .filter(([, policy]) =>
            (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.some(
              (statement) =>
                statement.Effect === 'Deny' &&
                JSON.stringify(statement.Condition).includes('aws:SecureTransport'),
            ),
          )
          .flatMap(([, policy]) => (policy.Properties.Queues as unknown[]).map(refTo)),
      );

      for (const [id, queue] of queues) {
        expect(queue.Properties.SqsManagedSseEnabled, id).toBe(true);
        expect(tlsOnly.has(id), id).toBe(true);
      }
    });

    it('makes delivery-requests a FIFO queue without content-based dedup, redriven to a FIFO DLQ', () => {
      const requests =
        dev.resources[logicalId(dev.stack, dev.stack.services.scheduler.requests.node.defaultChild)]!;
      const redrive = requests.Properties.RedrivePolicy as Json;
      const dlq = dev.resources[refTo(redrive.deadLetterTargetArn)!]!;

      expect(requests.Properties).toMatchObject({
        FifoQueue: true,
        ContentBasedDeduplication: false,
        QueueName: 'DroneDelivery-dev-delivery-requests.fifo',
      });
      expect(redrive.maxReceiveCount).toBe(5);
      expect(dlq.Properties).toMatchObject({
        FifoQueue: true,
        QueueName: 'DroneDelivery-dev-delivery-requests-dlq.fifo',
      });
    });

    it('keeps each consumed queue invisible for at least six times its consumer timeout', () => {
      const timeouts = new Map(
        ofType(dev.resources, 'AWS::Lambda::Function').map(([id, fn]) => [id, Number(fn.Properties.Timeout)]),
      );

      for (const [, mapping] of ofType(dev.resources, 'AWS::Lambda::EventSourceMapping')) {
        const queue = dev.resources[refTo(mapping.Properties.EventSourceArn)!]!;
        const timeout = timeouts.get(
          String(mapping.Properties.FunctionName && refTo(mapping.Properties.FunctionName)),
        )!;
        expect(Number(queue.Properties.VisibilityTimeout)).toBeGreaterThanOrEqual(6 * timeout);
      }
    });

    it('reports batch item failures on every SQS event source mapping', () => {
      const mappings = ofType(dev.resources, 'AWS::Lambda::EventSourceMapping');

      expect(mappings).toHaveLength(7);
      for (const [, mapping] of mappings) {
        expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
        expect(mapping.Properties.ScalingConfig).toBeDefined();
      }
    });
  });

  describe('APIs', () => {
    function routes(api: { node: { defaultChild?: unknown } }): [string, Resource][] {
      const apiId = logicalId(dev.stack, api.node.defaultChild);
      return ofType(dev.resources, 'AWS::ApiGatewayV2::Route').filter(
        ([, route]) => refTo(route.Properties.ApiId) === apiId,
      );
    }

    it('puts account_id into the user pool tokens with a V2 pre token generation trigger', () => {
      const [[, pool]] = ofType(dev.resources, 'AWS::Cognito::UserPool') as [[string, Resource]];
      const trigger = dev.stack.services.accounts.functions.find((fn) => fn.node.id === 'AddAccountClaim')!;

      const config = (pool.Properties.LambdaConfig as Json).PreTokenGenerationConfig as Json;

      expect(config.LambdaVersion).toBe('V2_0');
      expect(refTo(config.LambdaArn)).toBe(logicalId(dev.stack, trigger.node.defaultChild));
      expect(pool.Properties.UserPoolTier).toBe('ESSENTIALS');
    });

    it('puts the public API first in the template, then the internal one', () => {
      const apis = ofType(dev.resources, 'AWS::ApiGatewayV2::Api').map(([id]) => id);

      expect(apis).toEqual([
        logicalId(dev.stack, dev.stack.publicApi.api.node.defaultChild),
        logicalId(dev.stack, dev.stack.internalApi.api.node.defaultChild),
      ]);
    });

    it('authorizes every public route with the JWT authorizer except the OpenAPI document', () => {
      const byKey = Object.fromEntries(
        routes(dev.stack.publicApi.api).map(([, route]) => [
          route.Properties.RouteKey,
          route.Properties.AuthorizationType,
        ]),
      );

      expect(byKey).toEqual({
        'POST /v1/deliveries': 'JWT',
        'PATCH /v1/deliveries/{deliveryId}': 'JWT',
        'DELETE /v1/deliveries/{deliveryId}': 'JWT',
        'GET /v1/deliveries/{deliveryId}': 'JWT',
        'GET /v1/deliveries': 'JWT',
        'POST /v1/deliveries/{deliveryId}/notifications': 'JWT',
        'GET /v1/deliveries/{deliveryId}/history': 'JWT',
        'GET /v1/openapi.json': 'NONE',
      });
    });

    it('authorizes every internal route with IAM', () => {
      const internal = routes(dev.stack.internalApi.api);

      expect(internal).toHaveLength(17);
      for (const [, route] of internal) {
        expect(route.Properties.AuthorizationType, String(route.Properties.RouteKey)).toBe('AWS_IAM');
      }
    });

    it('lets only the intended roles invoke each internal route', () => {
      const routeKeys = routes(dev.stack.internalApi.api).map(([, route]) =>
        String(route.Properties.RouteKey),
      );
      const roleOf = (fn: { role?: { node: { defaultChild?: unknown } } }) =>
        logicalId(dev.stack, fn.role?.node.defaultChild);
      const { scheduler, drone, notifications, delivery, history } = dev.stack.services;
      const telemetry = 'POST /drones/{droneId}/telemetry';
      const subscriptions = 'GET /deliveries/{deliveryId}/subscriptions';
      const requests = 'GET /requests/{deliveryId}';
      const expected = new Map<string, string[]>([
        ...scheduler.internalCallers.map(
          (fn) =>
            [
              roleOf(fn),
              routeKeys.filter((key) => key !== telemetry && key !== subscriptions && key !== requests),
            ] as [string, string[]],
        ),
        [roleOf(drone.functions.find((fn) => fn.node.id === 'Simulator')!), [telemetry]],
        [roleOf(notifications.sendNotifications), [subscriptions]],
        ...[...delivery.requestReaders, history.getHistoryFunction].map(
          (fn) => [roleOf(fn), [requests]] as [string, string[]],
        ),
      ]);

      for (const [roleId] of ofType(dev.resources, 'AWS::IAM::Role')) {
        expect(invocableRoutes(dev.resources, roleId, routeKeys).sort(), roleId).toEqual(
          (expected.get(roleId) ?? []).sort(),
        );
      }
    });

    it('throttles the default stage and writes JSON access logs', () => {
      const stages = ofType(dev.resources, 'AWS::ApiGatewayV2::Stage');

      expect(stages).toHaveLength(2);
      for (const [, stage] of stages) {
        expect(stage.Properties).toMatchObject({ StageName: '$default', AutoDeploy: true });
        expect(stage.Properties.DefaultRouteSettings).toMatchObject({
          ThrottlingRateLimit: expect.any(Number),
        });
        const format = (stage.Properties.AccessLogSettings as Json).Format as string;
        expect(JSON.parse(format)).toMatchObject({
          requestId: '$context.requestId',
          status: '$context.status',
        });
      }
    });
  });

  describe('functions', () => {
    function appFunctions(): [string, Resource][] {
      const ids = new Set(
        Object.values(dev.stack.services).flatMap((service) =>
          service.functions.map((fn) => logicalId(dev.stack, fn.node.defaultChild)),
        ),
      );
      return ofType(dev.resources, 'AWS::Lambda::Function').filter(([id]) => ids.has(id));
    }

    it('runs every handler on nodejs24.x, arm64, traced, with its own log group', () => {
      const functions = appFunctions();

      expect(functions).toHaveLength(39);
      for (const [id, fn] of functions) {
        expect(fn.Properties, id).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          TracingConfig: { Mode: 'Active' },
        });
        const logGroup = refTo((fn.Properties.LoggingConfig as Json).LogGroup)!;
        expect(dev.resources[logGroup]?.Properties.RetentionInDays, id).toBe(7);
        const variables = (fn.Properties.Environment as { Variables: Json }).Variables;
        expect(variables).toMatchObject({
          POWERTOOLS_SERVICE_NAME: expect.any(String),
          POWERTOOLS_METRICS_NAMESPACE: 'DroneDelivery',
          POWERTOOLS_LOG_LEVEL: 'DEBUG',
        });
        // The bundles link no source map: the flag would only slow every cold start.
        expect(variables, id).not.toHaveProperty('NODE_OPTIONS');
      }
    });

    it('names no resource "*" in any function policy except for X-Ray', () => {
      for (const [id] of appFunctions()) {
        const roleId = refTo(dev.resources[id]?.Properties.Role)!;
        for (const statement of statementsOfRole(dev.resources, roleId)) {
          if (asArray(statement.Resource as unknown[]).includes('*')) {
            expect(
              asArray(statement.Action).every((action) => action.startsWith('xray:')),
              id,
            ).toBe(true);
          }
        }
      }
    });

    it("grants each function only its own service's table", () => {
      const { stack } = dev;
      const tableIds = new Map(
        Object.entries(stack.stateful.tables).map(([service, table]) => [
          logicalId(stack, table.node.defaultChild),
          service,
        ]),
      );

      for (const service of Object.values(stack.services)) {
        for (const fn of service.functions) {
          const roleId = logicalId(stack, fn.role?.node.defaultChild);
          const tables = statementsOfRole(dev.resources, roleId)
            .flatMap((statement) => asArray(statement.Resource as unknown[]))
            .map((resource) => JSON.stringify(resource))
            .flatMap((text) => [...tableIds.keys()].filter((tableId) => text.includes(`"${tableId}"`)))
            .map((tableId) => tableIds.get(tableId));
          for (const table of tables) {
            expect(table, fn.node.path).toBe(fn.service);
          }
        }
      }
    });

    it('gives the byAccount index to list-deliveries only', () => {
      const indexUsers = ofType(dev.resources, 'AWS::IAM::Policy')
        .filter(([, policy]) => JSON.stringify(policy.Properties.PolicyDocument).includes('/index/byAccount'))
        .map(([id]) => id);

      expect(indexUsers).toHaveLength(1);
      expect(indexUsers[0]).toMatch(/^DeliveryListDeliveriesRole/);
      expect(JSON.stringify(dev.resources[indexUsers[0]!]?.Properties.PolicyDocument)).toContain(
        '/index/byAccount',
      );
    });

    it('runs the simulator every minute with the stage speed settings and a target DLQ', () => {
      const simulator = dev.stack.services.drone.functions.find((fn) => fn.node.id === 'Simulator')!;
      const simulatorId = logicalId(dev.stack, simulator.node.defaultChild);
      const schedule = ofType(dev.resources, 'AWS::Events::Rule').find(
        ([, rule]) =>
          rule.Properties.ScheduleExpression &&
          (rule.Properties.Targets as Json[]).some((target) => refTo(target.Arn) === simulatorId),
      )!;
      const [target] = schedule[1].Properties.Targets as Json[];

      expect(schedule[1].Properties.ScheduleExpression).toBe('rate(1 minute)');
      expect(refTo(target?.Arn)).toBe(simulatorId);
      expect(target?.DeadLetterConfig).toBeDefined();
      expect(dev.resources[simulatorId]?.Properties).toMatchObject({
        Timeout: 58,
        Environment: {
          Variables: expect.objectContaining({ SIMULATOR_SPEED_FACTOR: '60', SIMULATOR_TICK_MS: '1000' }),
        },
      });
    });

    it('seeds accounts and the fleet with triggers after the tables exist', () => {
      const triggers = ofType(dev.resources, 'Custom::Trigger');

      const dependencies = triggers.map(([, trigger]) => trigger.DependsOn ?? []);

      expect(dependencies).toHaveLength(2);
      expect(dependencies).toContainEqual(
        expect.arrayContaining([logicalId(dev.stack, dev.stack.stateful.tables.accounts.node.defaultChild)]),
      );
      expect(dependencies).toContainEqual(
        expect.arrayContaining([logicalId(dev.stack, dev.stack.stateful.tables.drone.node.defaultChild)]),
      );
    });

    it('records notifications instead of sending them', () => {
      const send =
        dev.resources[
          logicalId(dev.stack, dev.stack.services.notifications.sendNotifications.node.defaultChild)
        ]!;

      expect((send.Properties.Environment as { Variables: Json }).Variables.NOTIFICATION_SENDER).toBe(
        'recording',
      );
    });
  });

  describe('stateful resources', () => {
    it('has one pk/sk on-demand table per service and the byAccount index on Delivery', () => {
      const tables = ofType(dev.resources, 'AWS::DynamoDB::Table');

      expect(tables).toHaveLength(7);
      for (const [, table] of tables) {
        expect(table.Properties).toMatchObject({
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
        });
      }
      const delivery =
        dev.resources[logicalId(dev.stack, dev.stack.stateful.tables.delivery.node.defaultChild)]!;
      expect(delivery.Properties.GlobalSecondaryIndexes).toEqual([
        expect.objectContaining({
          IndexName: 'byAccount',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
        }),
        expect.objectContaining({ IndexName: 'pendingOutbox' }),
      ]);
    });

    it('archives the bus with the stage retention', () => {
      dev.template.hasResourceProperties('AWS::Events::Archive', { RetentionDays: 7 });
    });
  });

  it('leaves no unacknowledged cdk-nag or CloudFormation validation finding', () => {
    const report = JSON.parse(readFileSync(path.join(dev.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; violations: unknown[] }[];
    };

    expect(report.pluginReports.map((plugin) => plugin.pluginName)).toContain('AwsSolutions');
    for (const plugin of report.pluginReports) {
      expect(plugin.violations, plugin.pluginName).toEqual([]);
    }
  });
});

describe('the prod stack', () => {
  let prod: Synthesized;
  beforeAll(() => {
    prod = synthesize({
      stage: 'prod',
      notificationFromAddress: 'noreply@example.com',
      droneSimulator: 'true',
    });
  });

  it('has no simulator and no seeding triggers', () => {
    expect(ofType(prod.resources, 'Custom::Trigger')).toHaveLength(0);
    // The sweepers run on schedules in every stage; the simulator's schedule is dev only.
    expect(
      ofType(prod.resources, 'AWS::Events::Rule').filter(
        ([, rule]) =>
          rule.Properties.ScheduleExpression && /simulator/i.test(String(rule.Properties.Description)),
      ),
    ).toHaveLength(0);
  });

  it('protects the tables: retained, deletion protection, point-in-time recovery', () => {
    const tables = ofType(prod.resources, 'AWS::DynamoDB::Table');

    expect(tables).toHaveLength(7);
    for (const [id, table] of tables) {
      expect(table.DeletionPolicy, id).toBe('Retain');
      expect(table.Properties, id).toMatchObject({
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      });
    }
  });

  it('sends real notifications from the configured SES identity only, and SMS but never to a topic', () => {
    const send = prod.stack.services.notifications.sendNotifications;
    const fn = prod.resources[logicalId(prod.stack, send.node.defaultChild)]!;
    const statements = statementsOfRole(prod.resources, logicalId(prod.stack, send.role?.node.defaultChild));

    expect((fn.Properties.Environment as { Variables: Json }).Variables).toMatchObject({
      NOTIFICATION_SENDER: 'aws',
      NOTIFICATION_FROM_ADDRESS: 'noreply@example.com',
    });
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: 'ses:SendEmail',
        Condition: { StringEquals: { 'ses:FromAddress': 'noreply@example.com' } },
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Allow', Action: 'sns:Publish', Resource: '*' }),
    );
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish' }));
  });
});
