// The one function construct: every handler of the app is built with these defaults, and the
// bind… helpers grant a function access to a resource and hand it the matching environment
// variable in one call, so a grant and its variable can never drift apart.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi, HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITableV2, Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type IFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** The repository root: entries in docs/internals.md are relative to it. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const METRICS_NAMESPACE = 'DroneDelivery';

// ESM bundles still meet CommonJS dependencies that call require(); this gives them one.
const CREATE_REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

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
export class ServiceFunction extends NodejsFunction {
  readonly logGroupResource: LogGroup;
  readonly service: string;

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
    super(scope, id, {
      entry: path.join(PROJECT_ROOT, props.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
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
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.service,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.defaults.logLevel,
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        // node20: the same bundle also runs in the local cloud on Node.js 20.
        target: 'node20',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        // The map only has to translate stack traces; the sources are in the repository.
        sourcesContent: false,
        // The SDK is bundled: pinned versions, tree-shaken, and no dependence on the runtime's copy.
        externalModules: [],
        bundleAwsSDK: true,
        banner: CREATE_REQUIRE_BANNER,
        tsconfig: path.join(PROJECT_ROOT, 'tsconfig.json'),
        forceDockerBundling: false,
      },
    });
    this.logGroupResource = logGroup;
    this.service = props.service;
    logGroup.grant(role, 'logs:CreateLogStream', 'logs:PutLogEvents');
  }
}

type Grantee = NodejsFunction;

/** Grants a function its service's table and sets `TABLE_NAME`. */
export function bindTable(fn: Grantee, table: Table | ITableV2, access: 'read' | 'readWrite' = 'readWrite'): void {
  if (access === 'read') {
    table.grantReadData(fn);
  } else {
    table.grantReadWriteData(fn);
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

/** Allows a function `execute-api:Invoke` on exactly these internal routes and sets `INTERNAL_API_URL`. */
export function bindInternalApi(fn: Grantee, api: HttpApi, routes: readonly HttpRoute[]): void {
  if (routes.length === 0) {
    throw new Error(`bindInternalApi(${fn.node.path}): name the routes the function may call`);
  }
  for (const route of routes) {
    route.grantInvoke(fn);
  }
  // apiEndpoint has no trailing slash and, with the $default stage, no stage path.
  fn.addEnvironment('INTERNAL_API_URL', api.apiEndpoint);
}

export interface QueueConsumerOptions {
  readonly batchSize: number;
  /** Omit for FIFO queues, which do not support a batching window. */
  readonly maxBatchingWindow?: Duration;
  readonly maxConcurrency: number;
}

/** Subscribes a function to a queue with partial batch responses, so one bad record does not replay its neighbours. */
export function bindQueueConsumer(fn: IFunction, queue: IQueue, options: QueueConsumerOptions): SqsEventSource {
  const source = new SqsEventSource(queue, {
    batchSize: options.batchSize,
    ...(options.maxBatchingWindow === undefined ? {} : { maxBatchingWindow: options.maxBatchingWindow }),
    maxConcurrency: options.maxConcurrency,
    reportBatchItemFailures: true,
  });
  fn.addEventSource(source);
  return source;
}
