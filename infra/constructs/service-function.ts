// The one function construct: every handler of the app is built with these defaults, and the
// bind… helpers grant a function access to a resource and hand it the matching environment
// variable in one call, so a grant and its variable can never drift apart.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  type IFunction,
  Function as LambdaFunction,
  Runtime,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { BUNDLE_FILE, handlerCode } from './bundling.ts';
import type { InternalApi } from './http-apis.ts';
import { acknowledgeNagRule, acknowledgeWildcardResource } from './nag-acknowledgements.ts';

/** The repository root: entries in docs/internals.md are relative to it. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const METRICS_NAMESPACE = 'DroneDelivery';

/** Settings every function of a stage shares. */
export interface FunctionDefaults {
  readonly logRetention: RetentionDays;
  readonly logLevel: string;
  readonly removalPolicy: RemovalPolicy;
}

export interface ServiceFunctionProps {
  /** The service, for Powertools and naming (`scheduler`, `delivery`, ...). */
  readonly service: string;
  /** The handler's entry file relative to the repository root, e.g. `functions/scheduler/schedule.ts`. */
  readonly entry: string;
  readonly description: string;
  readonly defaults: FunctionDefaults;
  /** @default 10 seconds */
  readonly timeout?: Duration;
  /** @default 512 MB */
  readonly memorySize?: number;
  readonly environment?: Record<string, string>;
  readonly reservedConcurrentExecutions?: number;
}

/** A Lambda function with the app's defaults: Node.js 24 on arm64, ESM bundle, tracing, its own log group. */
export class ServiceFunction extends LambdaFunction {
  readonly logGroupResource: LogGroup;
  readonly service: string;
  /** The handler's entry file, absolute (infra/app.ts bundles all entries at once before synthesis). */
  readonly entry: string;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    // An explicit log group (not the deprecated logRetention custom resource, which the local
    // cloud cannot run) lets the role write only to its own group instead of logs:* on *.
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.defaults.logRetention,
      removalPolicy: props.defaults.removalPolicy,
    });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.entry}`,
    });
    const entry = path.join(PROJECT_ROOT, props.entry);
    super(scope, id, {
      // An esbuild bundle of the entry (infra/constructs/bundling.ts), exporting `handler`.
      code: handlerCode(entry, PROJECT_ROOT),
      handler: `${path.parse(BUNDLE_FILE).name}.handler`,
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      timeout: props.timeout ?? Duration.seconds(10),
      memorySize: props.memorySize ?? 512,
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      ...(props.reservedConcurrentExecutions === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      environment: {
        // No NODE_OPTIONS=--enable-source-maps: the bundle names no source map (bundling.ts), so the
        // flag maps nothing and only adds its own start-up work to every cold start.
        POWERTOOLS_SERVICE_NAME: props.service,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.defaults.logLevel,
        ...props.environment,
      },
    });
    this.entry = entry;
    this.logGroupResource = logGroup;
    this.service = props.service;
    logGroup.grant(role, 'logs:CreateLogStream', 'logs:PutLogEvents');
    acknowledgeNagRule(
      role,
      'IAM5[Resource::*]',
      'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource but "*"',
    );
  }
}

type Grantee = LambdaFunction;

const TABLE_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
];
const TABLE_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

export interface BindTableOptions {
  /** @default 'readWrite' */
  readonly access?: 'read' | 'readWrite';
  /** Indexes the function queries; only these are granted, not `index/*`. */
  readonly indexes?: readonly string[];
  /** Also allow `Scan` (only for small tables read whole, like the drone fleet). */
  readonly scan?: boolean;
}

/**
 * Grants a function its service's table (item actions only: no Scan, no streams) and sets `TABLE_NAME`.
 * Transactions need no action of their own: IAM checks each item's Put/Update/Delete/ConditionCheck.
 */
export function bindTable(fn: Grantee, table: ITable, options: BindTableOptions = {}): void {
  const actions =
    options.access === 'read' ? [...TABLE_READ_ACTIONS] : [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS];
  if (options.scan) actions.push('dynamodb:Scan');
  fn.addToRolePolicy(new PolicyStatement({ actions, resources: [table.tableArn] }));
  const indexes = options.indexes ?? [];
  if (indexes.length > 0) {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: indexes.map((index) => `${table.tableArn}/index/${index}`),
      }),
    );
  }
  fn.addEnvironment('TABLE_NAME', table.tableName);
}

/** Lets a function publish to the bus and sets `EVENT_BUS_NAME`. */
export function bindBus(fn: Grantee, bus: IEventBus): void {
  bus.grantPutEventsTo(fn);
  fn.addEnvironment('EVENT_BUS_NAME', bus.eventBusName);
}

/** Lets a function send to a queue and sets the variable that names its URL. */
export function bindQueue(fn: Grantee, queue: IQueue, variable = 'REQUESTS_QUEUE_URL'): void {
  queue.grantSendMessages(fn);
  fn.addEnvironment(variable, queue.queueUrl);
}

/**
 * Allows a function `execute-api:Invoke` on exactly these internal routes and sets
 * `INTERNAL_API_URL`. Call it after every route of the API exists: routes that an allowed
 * ARN's wildcard would also match are denied explicitly.
 */
export function bindInternalApi(fn: Grantee, api: InternalApi, routes: readonly HttpRoute[]): void {
  if (routes.length === 0) {
    throw new Error(`bindInternalApi(${fn.node.path}): name the routes the function may call`);
  }
  const arns = routes.map((route) => api.routeArn(route));
  fn.addToRolePolicy(new PolicyStatement({ actions: ['execute-api:Invoke'], resources: arns }));
  for (const arn of arns) {
    acknowledgeWildcardResource(
      fn.role ?? fn,
      arn,
      "One route in any stage: each '*' stands for a path parameter or the stage; routes it would also match are denied",
    );
  }
  const covered = api.routesCoveredBeyond(routes);
  if (covered.length > 0) {
    fn.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.DENY,
        actions: ['execute-api:Invoke'],
        resources: covered.map((route) => api.routeArn(route)),
      }),
    );
  }
  // apiEndpoint has no trailing slash and, with the $default stage, no stage path.
  fn.addEnvironment('INTERNAL_API_URL', api.url);
}

export interface QueueConsumerOptions {
  readonly batchSize: number;
  /** Omit for FIFO queues, which do not support a batching window. */
  readonly maxBatchingWindow?: Duration;
  readonly maxConcurrency: number;
}

/** Subscribes a function to a queue with partial batch responses, so one bad record does not replay its neighbours. */
export function bindQueueConsumer(
  fn: IFunction,
  queue: IQueue,
  options: QueueConsumerOptions,
): SqsEventSource {
  const source = new SqsEventSource(queue, {
    batchSize: options.batchSize,
    ...(options.maxBatchingWindow === undefined ? {} : { maxBatchingWindow: options.maxBatchingWindow }),
    maxConcurrency: options.maxConcurrency,
    reportBatchItemFailures: true,
  });
  fn.addEventSource(source);
  return source;
}
