// The local cloud: runs a synthesized CDK stack on this machine, part by part, and stops it again.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { type ConsoleOptions, createLocalAdmin, type LocalAdmin, unmatchedFaults } from './admin/index.ts';
import { createHttpApis } from './apigateway/http-apis.ts';
import { createIdentityRegistry, type IdentityRegistry } from './auth/identities.ts';
import { createLocalIssuer } from './auth/jwt.ts';
import { type LocalCloudState, writeLocalCloudState } from './auth/state.ts';
import { type DynamoDbLocal, localDynamoDbClient, startDynamoDbLocal } from './dynamodb/dynamodb-local.ts';
import { ensureTables, TABLE_TYPES } from './dynamodb/tables.ts';
import { createEdge } from './edge/edge.ts';
import { createEventBridge, type LocalEventBridgeService } from './eventbridge/index.ts';
import {
  createEventSourceMappings,
  createLambdaHost,
  type EventSourceMappings,
  type FunctionFault,
  type LambdaHost,
} from './lambda/index.ts';
import { createMeter, edgeMeterOf, type Meter, meteredQueueSender, meterRoutes } from './metering/index.ts';
import type { LocalLogger, ResolvedStack } from './model.ts';
import { freePort } from './ports.ts';
import {
  type HotReload,
  type HotReloadOptions,
  hotReloadFromEnv,
  startHotReload,
} from './reload/hot-reload.ts';
import { type LocalSqs, startLocalSqs } from './sqs/local-sqs.ts';
import { loadStack } from './template/load-stack.ts';

export interface StartLocalCloudOptions {
  /** The synthesized cloud assembly, e.g. `cdk.out`. */
  cloudAssemblyDir: string;
  /**
   * DynamoDB data, queued messages, pending deliveries and asynchronous invocations, JWT key,
   * function logs, archives: kept across restarts, so a stop or a crash loses nothing accepted.
   */
  stateDir: string;
  /** Port of the AWS edge endpoint (4566 for manual runs, 0 for a free one). */
  edgePort: number;
  /** The first HTTP API's port; the others follow in template order. */
  apiBasePort: number;
  log: LocalLogger;
  /**
   * Environment overrides for the functions: each variable replaces the template's value in every
   * function that declares it (functions that do not declare it are left as they are).
   */
  env?: Record<string, string>;
  /** Which stack of the assembly, when it holds several. */
  stackName?: string;
  /** Port of DynamoDB Local (default: a free one). */
  dynamoDbPort?: number;
  /** Where the functions' log lines are echoed (default stderr); they are always kept in `<stateDir>/logs`. */
  functionOutput?: NodeJS.WritableStream;
  /**
   * Faults injected from the start (`LOCAL_FAULTS`, `LOCAL_SQS_DUPLICATE_RATE`); a fault matching no
   * function fails the start. The function faults hit the running app, not its deployment: they take
   * effect once the CDK triggers ran.
   */
  faults?: { functions: FunctionFault[]; sqsDuplicateRate: number };
  /**
   * Rebundles and swaps in the functions whose sources change while the cloud runs (reload/hot-reload.ts);
   * `false` turns it off. Default: as `LOCAL_HOT_RELOAD` says (`npm start` turns it on).
   */
  hotReload?: HotReloadOptions | false;
  /** The application's views and fixtures for the operations console (`/_local/console/` on the edge). */
  console?: ConsoleOptions;
}

export interface LocalCloud {
  stack: ResolvedStack;
  urls: { edge: string; apis: { logicalId: string; apiId: string; url: string }[]; console: string };
  lambda: LambdaHost;
  events: LocalEventBridgeService;
  sqs: LocalSqs;
  dynamodb: DynamoDbLocal;
  identities: IdentityRegistry;
  eventSourceMappings: EventSourceMappings;
  /** The tester's control plane (served by the edge under `/_local/`) and its delivery observer. */
  admin: LocalAdmin;
  /** Hot reload, when on. */
  hotReload: HotReload | undefined;
  /** What AWS would bill for the calls served since the deployment (or the last reset). */
  meter: Meter;
  /** Stops every part in reverse order; leaves no process or server behind. */
  stop(): Promise<void>;
}

/** Thrown when a CDK trigger's function fails at start. */
export class TriggerFailedError extends Error {
  override readonly name = 'TriggerFailedError';
}

const TRIGGER_TYPES = new Set(['Custom::Trigger', 'AWS::CloudFormation::CustomResource']);

/** Replaces template environment variables of every function that declares them. */
export function applyEnvironmentOverrides(stack: ResolvedStack, overrides: Record<string, string>): void {
  for (const resource of stack.resources.values()) {
    if (resource.type !== 'AWS::Lambda::Function') continue;
    const variables = (resource.properties.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables;
    if (!variables) continue;
    for (const [name, value] of Object.entries(overrides)) {
      if (name in variables) variables[name] = value;
    }
  }
}

/** The function a trigger runs: its `HandlerArn` (a version ARN) without the qualifier. */
export function triggerFunctionOf(handlerArn: string): string {
  const match = /^(arn:[^:]+:lambda:[^:]+:\d+:function:[^:]+)(?::[^:]+)?$/.exec(handlerArn);
  return match?.[1] ?? handlerArn;
}

/** Starts every part of the local cloud for a synthesized stack and resolves once all accept requests. */
export async function startLocalCloud(options: StartLocalCloudOptions): Promise<LocalCloud> {
  const { log } = options;
  const stateDir = path.resolve(options.stateDir);
  // Each part registers how to stop it as soon as it runs, so that a failed start undoes what it did.
  const stops: { name: string; stop: () => Promise<void> }[] = [];
  const stopAll = async () => {
    for (const { name, stop } of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        log.error('stop failed', { part: name, error: (error as Error).message });
      }
    }
  };

  try {
    const hotReload = options.hotReload === undefined ? hotReloadFromEnv(process.env) : options.hotReload;
    // The edge's port is part of every queue URL the template resolves to, so it is fixed first.
    const edgePort = options.edgePort === 0 ? await freePort() : options.edgePort;
    const edgeUrl = `http://127.0.0.1:${edgePort}`;
    const stack = await loadStack(options.cloudAssemblyDir, {
      edgeUrl,
      apiBasePort: options.apiBasePort,
      stateDir,
      ...(options.stackName ? { stackName: options.stackName } : {}),
    });
    if (options.env) applyEnvironmentOverrides(stack, options.env);
    log.info('stack loaded', { stack: stack.stackName, resources: stack.resources.size });
    const meter = createMeter({ stack });

    const dynamodb = await startDynamoDbLocal({ port: options.dynamoDbPort ?? 0, stateDir });
    stops.push({ name: 'dynamodb', stop: dynamodb.stop });
    const dynamoClient = localDynamoDbClient(dynamodb.endpoint);
    try {
      await ensureTables(dynamoClient, stack.resources.values(), log);
    } finally {
      dynamoClient.destroy();
    }

    const sqs = await startLocalSqs({
      port: 0,
      edgeUrl,
      resources: stack.resources.values(),
      log,
      journalPath: path.join(stateDir, 'sqs', 'queues'),
    });
    stops.push({ name: 'sqs', stop: sqs.stop });
    const queueSender = meteredQueueSender(sqs.sender, meter);

    const identities = createIdentityRegistry(stack, { secretSeed: randomBytes(16).toString('hex') });

    const lambda = createLambdaHost({
      stack,
      edgeUrl,
      credentialsFor: (functionName) => identities.credentialsFor(functionName),
      log,
      logDir: path.join(stateDir, 'logs'),
      queueSender,
      journalPath: path.join(stateDir, 'lambda', 'async-invocations'),
      meter,
      ...(options.functionOutput ? { output: options.functionOutput } : {}),
    });
    stops.push({ name: 'lambda', stop: lambda.stop });
    const startFaults = options.faults?.functions ?? [];
    const unmatched = unmatchedFaults(startFaults, lambda.functions());
    if (unmatched.length > 0) {
      throw new Error(
        `LOCAL_FAULTS: no function matches ${unmatched.map((fault) => `"${fault.function}"`).join(', ')}`,
      );
    }

    const events = createEventBridge({
      stack,
      lambda,
      queues: queueSender,
      log,
      stateDir: path.join(stateDir, 'eventbridge'),
      meter,
    });
    stops.push({ name: 'eventbridge', stop: events.stop });

    // The admin part needs the event source mappings, which come after the edge: it is mounted once ready.
    let admin: LocalAdmin | undefined;
    // The SQS part answers with the edge's queue URLs itself, so the edge forwards requests unchanged.
    const edge = await createEdge({
      port: edgePort,
      dynamodbUrl: dynamodb.endpoint,
      sqsUrl: sqs.endpoint,
      events,
      lambda,
      identities,
      log,
      meter: edgeMeterOf(meter),
      admin: {
        handle: async (incoming, outgoing) => {
          if (admin) return admin.handle(incoming, outgoing);
          outgoing.writeHead(503, { 'content-type': 'application/json' });
          outgoing.end(JSON.stringify({ error: 'the local cloud is still starting' }));
        },
      },
    });
    stops.push({ name: 'edge', stop: edge.close });
    const issuer = await createLocalIssuer({ stateDir });
    const apis = await createHttpApis({
      stack,
      lambda,
      identities,
      issuer,
      log,
      meter,
      onRequest: (access) => admin?.recordApiAccess(access),
    });
    stops.push({ name: 'apis', stop: apis.close });

    const eventSourceMappings = createEventSourceMappings({
      stack,
      invoker: lambda,
      sqsEndpoint: edgeUrl,
      queueUrlForArn: (arn) => {
        const url = sqs.queueUrlOf(arn);
        if (!url) throw new Error(`No local queue has ARN ${arn}`);
        return url;
      },
      credentialsFor: (functionName) => identities.credentialsFor(functionName),
      log,
      duplicateRate: options.faults?.sqsDuplicateRate ?? 0,
    });
    // Observing starts before any event flows, so that the tools hear every delivery.
    const localAdmin = createLocalAdmin({
      stack,
      events,
      lambda,
      eventSourceMappings,
      sqs,
      logDir: path.join(stateDir, 'logs'),
      log,
      sqsEndpoint: sqs.endpoint,
      apis: () => apis.apis,
      mint: (token) => issuer.mint(token),
      routes: [meterRoutes(meter)],
      ...(options.console ? { console: options.console } : {}),
    });
    admin = localAdmin;
    stops.push({ name: 'admin', stop: async () => localAdmin.close() });
    eventSourceMappings.start();
    stops.push({ name: 'event source mappings', stop: eventSourceMappings.stop });
    // What the last run left under way resumes now that every part accepts requests.
    events.start();
    lambda.start();

    await runTriggers(stack, lambda, log);
    // The deployment is done: the faults given at start now hit the app.
    if (startFaults.length > 0) lambda.setFaults(startFaults);
    // What the deployment itself cost (seeding by its triggers) is no part of what the app costs to run.
    meter.reset();
    const reload = hotReload ? startHotReload({ ...hotReload, stateDir, stack, lambda, log }) : undefined;
    if (reload) stops.push({ name: 'hot reload', stop: reload.close });

    // The tools' state (auth/state.ts) plus the names of the stack's resources, for replay and DLQ tools.
    const state: LocalCloudState & { stackName: string } & ReturnType<typeof resourceNames> = {
      edge: edgeUrl,
      apis: apis.apis.map((api) => ({
        logicalId: api.logicalId,
        apiId: api.apiId,
        url: api.url,
        authorizers: api.authorizers,
      })),
      stackName: stack.stackName,
      ...resourceNames(stack),
    };
    await writeLocalCloudState(stateDir, state);

    return {
      stack,
      urls: {
        edge: edgeUrl,
        apis: apis.apis.map((api) => ({ logicalId: api.logicalId, apiId: api.apiId, url: api.url })),
        console: `${edgeUrl}/_local/console/`,
      },
      lambda,
      events,
      sqs,
      dynamodb,
      identities,
      eventSourceMappings,
      admin: localAdmin,
      hotReload: reload,
      meter,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Formats the line that tells people and scripts the local cloud accepts requests. */
export function readyLine(urls: {
  edge: string;
  apis: { logicalId: string; url: string }[];
  console?: string;
}): string {
  // CDK's logical ids end in an 8-character hash; the line reads better without it.
  const apis = urls.apis
    .map((api) => `${api.logicalId.replace(/(?<=.)[0-9A-F]{8}$/, '')} ${api.url}`)
    .join(', ');
  return `local cloud ready: edge ${urls.edge}${apis ? `, apis ${apis}` : ''}${urls.console ? `, console ${urls.console}` : ''}`;
}

/** Runs each CDK trigger's function once, synchronously, in template order; throws if one fails. */
export async function runTriggers(
  stack: ResolvedStack,
  lambda: Pick<LambdaHost, 'invoke'>,
  log: LocalLogger,
): Promise<void> {
  for (const resource of stack.resources.values()) {
    if (!TRIGGER_TYPES.has(resource.type)) continue;
    const handlerArn = resource.properties.HandlerArn;
    if (typeof handlerArn !== 'string') {
      throw new TriggerFailedError(`Trigger ${resource.logicalId} has no HandlerArn`);
    }
    const functionRef = triggerFunctionOf(handlerArn);
    const result = await lambda.invoke(functionRef, {}, { invocationType: 'RequestResponse' });
    if (!result.ok) {
      throw new TriggerFailedError(
        `Trigger ${resource.logicalId} failed: ${functionRef} answered ${result.errorType}: ${result.errorMessage}`,
      );
    }
    log.info('trigger ran', { trigger: resource.logicalId, function: functionRef });
  }
}

/** Names of the stack's tables, queues and buses, by logical id, for the local cloud's tools. */
export function resourceNames(stack: ResolvedStack): {
  tables: Record<string, string>;
  queues: Record<string, { name: string; url: string; arn: string }>;
  buses: Record<string, string>;
} {
  const tables: Record<string, string> = {};
  const queues: Record<string, { name: string; url: string; arn: string }> = {};
  const buses: Record<string, string> = {};
  for (const resource of stack.resources.values()) {
    if (TABLE_TYPES.has(resource.type)) tables[resource.logicalId] = resource.physicalName;
    if (resource.type === 'AWS::SQS::Queue') {
      queues[resource.logicalId] = {
        name: resource.physicalName,
        url: resource.ref,
        arn: resource.attributes.Arn ?? '',
      };
    }
    if (resource.type === 'AWS::Events::EventBus') buses[resource.logicalId] = resource.physicalName;
  }
  return { tables, queues, buses };
}
