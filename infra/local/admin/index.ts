// The local cloud's admin part: the delivery observer, the dead-letter queue tools and the control
// plane the edge mounts under `/_local/`, assembled from the running parts, with the activity stream,
// the HTTP APIs' proxy and the operations console beside it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpApiAccess } from '../apigateway/http-apis.ts';
import { createConsoleServer } from '../console/server.ts';
import { splitTarget } from '../edge/http.ts';
import type { LocalEventBridgeService } from '../eventbridge/index.ts';
import type { EventSourceMappings } from '../lambda/event-source-mappings.ts';
import type { LambdaHost } from '../lambda/host.ts';
import type { LocalLogger, ResolvedStack } from '../model.ts';
import { ADMIN_PREFIX, type AdminApi, createAdminApi } from './api.ts';
import { accessHops, createAccessLog } from './api-accesses.ts';
import { createApiProxy } from './api-proxy.ts';
import { createDeadLetterTools, type SqsCaller } from './dlq.ts';
import { type FixtureLoader, fixtureRoutes } from './fixtures.ts';
import { functionListRoutes } from './function-list.ts';
import { createDeliveryObserver, type DeliveryObserver } from './observer.ts';
import { createQueueOverview, emulatorInspector, queueRoutes } from './queues.ts';
import type { AdminRoutes } from './routes.ts';
import { type ActivityStream, createActivityStream } from './stream.ts';
import { type TokenApi, type TokenRoutesOptions, tokenRoutes } from './token.ts';
import { queuesOf } from './topology.ts';

export { ADMIN_PREFIX, type AdminApi, type AdminRequest, type AdminResponse, createAdminApi } from './api.ts';
export { FaultSettingsError, faultsFromEnv, unmatchedFaults } from './faults.ts';

export interface LocalAdminOptions {
  stack: ResolvedStack;
  events: LocalEventBridgeService;
  lambda: LambdaHost;
  eventSourceMappings: EventSourceMappings;
  sqs: SqsCaller;
  /** Folder of the functions' logs (`<state>/logs`). */
  logDir: string;
  log: LocalLogger;
  /** The embedded SQS emulator's endpoint, inspected for queue depths and message ages. */
  sqsEndpoint: string;
  /** The running HTTP APIs, for the token route and the proxy. */
  apis(): TokenApi[];
  /** Signs tokens the HTTP APIs' JWT authorizers accept (the local issuer). */
  mint: TokenRoutesOptions['mint'];
  console?: ConsoleOptions;
  /** Routes of other parts of the local cloud (the meters). */
  routes?: AdminRoutes[];
}

/** What an application adds to the operations console: its views, and fixtures to replay. */
export interface ConsoleOptions {
  /** A folder of views whose `index.js` the console loads as a plugin (served under `/_local/console/app/`). */
  appDir?: string;
  /** A folder of EventBridge envelope fixtures the console can replay. */
  fixturesDir?: string;
  /** Reads and validates one fixture file (default: any JSON of envelopes). */
  loadFixture?: FixtureLoader;
}

export interface LocalAdmin {
  api: AdminApi;
  observer: DeliveryObserver;
  stream: ActivityStream;
  /** Give to the HTTP APIs' `onRequest`: their requests become hops of the trace. */
  recordApiAccess(access: HttpApiAccess): void;
  /** Answers every request below `/_local/` (for the edge). */
  handle(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void>;
  /** Stops observing. */
  close(): void;
}

/** Assembles the admin part; create it before events flow so that the observer hears every delivery. */
export function createLocalAdmin(options: LocalAdminOptions): LocalAdmin {
  const queues = queuesOf(options.stack);
  const observer = createDeliveryObserver({
    events: options.events,
    queues,
    consumers: () => options.eventSourceMappings.mappings(),
  });
  const stopBatches = options.eventSourceMappings.subscribe(observer.onBatch);
  const deadLetters = createDeadLetterTools({
    queues,
    rules: () => options.events.rules(),
    sqs: options.sqs,
    logDir: options.logDir,
    consumerFailure: (messageId) => {
      const failure = observer.lastFailure(messageId);
      return (
        failure && {
          functionName: failure.functionName,
          reason: `${failure.errorType}: ${failure.errorMessage}`,
        }
      );
    },
    invokeAsync: (arn, event) => options.lambda.invoke(arn, event, { invocationType: 'Event' }),
  });
  const accesses = createAccessLog();
  const stream = createActivityStream({ events: options.events, batches: options.eventSourceMappings });
  const routes: AdminRoutes[] = [
    queueRoutes(
      createQueueOverview({
        queues,
        rules: () => options.events.rules(),
        inspect: emulatorInspector(options.sqsEndpoint),
      }),
    ),
    functionListRoutes({
      functions: () => options.lambda.functions(),
      faults: () => options.lambda.getFaults(),
    }),
    tokenRoutes({ apis: options.apis, mint: options.mint }),
    ...(options.routes ?? []),
  ];
  const api = createAdminApi({
    events: options.events,
    lambda: options.lambda,
    eventSourceMappings: options.eventSourceMappings,
    observer,
    deadLetters,
    logDir: options.logDir,
    log: options.log,
    routes,
    traceHops: (ids) => accessHops(accesses.list(), ids),
  });
  const fixturesDir = options.console?.fixturesDir;
  if (fixturesDir) {
    const loadFixture = options.console?.loadFixture;
    routes.push(
      fixtureRoutes({ dir: fixturesDir, route: api.route, ...(loadFixture ? { load: loadFixture } : {}) }),
    );
  }
  const proxy = createApiProxy({ apis: options.apis });
  const consoleAppDir = options.console?.appDir;
  const consoleServer = createConsoleServer(consoleAppDir ? { appDir: consoleAppDir } : {});

  async function handle(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const { rawPath, rawQuery } = splitTarget(incoming.url);
    const path = rawPath.startsWith(ADMIN_PREFIX) ? rawPath.slice(ADMIN_PREFIX.length) : rawPath;
    const method = (incoming.method ?? 'GET').toUpperCase();
    if (path === '/stream' && method === 'GET') return stream.handle(incoming, outgoing);
    if (consoleServer.handles(path)) return consoleServer.handle(incoming, outgoing, path, ADMIN_PREFIX);
    if (proxy.handles(path)) return proxy.handle(incoming, outgoing, path, rawQuery);
    return api.handle(incoming, outgoing);
  }

  return {
    api,
    observer,
    stream,
    recordApiAccess: (access) => accesses.record(access),
    handle,
    close() {
      stopBatches();
      observer.close();
      stream.close();
    },
  };
}
