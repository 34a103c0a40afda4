// Serves each HTTP API of the template on its own port, as API Gateway would (docs/architecture.md §6).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IdentityRegistry } from '../auth/identities.ts';
import type { LocalIssuer } from '../auth/jwt.ts';
import type { AuthorizerState } from '../auth/state.ts';
import {
  BodyTooLargeError,
  headerLists,
  keepConnections,
  readBody,
  sourceIpOf,
  splitTarget,
} from '../edge/http.ts';
import type { Meter } from '../metering/meter.ts';
import type { LambdaInvoker, LocalLogger, ResolvedStack } from '../model.ts';
import { type ApiConfig, type Integration, loadApi, STAGE } from './api-config.ts';
import { createAuthorize } from './authorize.ts';
import { isPreflight, preflightHeaders, responseCorsHeaders } from './cors.ts';
import { GatewayError } from './gateway-error.ts';
import {
  buildEventV2,
  type GatewayRequest,
  type GatewayResponse,
  mapResponseV2,
  newRequestId,
} from './payload.ts';
import { selectRoute } from './routes.ts';

const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface HttpApisOptions {
  stack: ResolvedStack;
  lambda: LambdaInvoker;
  identities: IdentityRegistry;
  issuer: LocalIssuer;
  log: LocalLogger;
  host?: string;
  /** Counts each answered request for the bill (metering/). */
  meter?: Pick<Meter, 'apiRequest'>;
  /** Told of each answered request, for the tester's tools (the trace, the console). */
  onRequest?: (access: HttpApiAccess) => void;
}

/** One answered request, as the tester's tools see it (credentials left out). */
export interface HttpApiAccess {
  at: string;
  /** The API's logical id. */
  api: string;
  requestId: string;
  method: string;
  path: string;
  routeKey?: string;
  status: number;
  latencyMs: number;
  headers: Record<string, string>;
}

export interface HttpApiInfo {
  logicalId: string;
  apiId: string;
  url: string;
  /** The API's JWT authorizers, for tools that mint tokens (`npm run token`). */
  authorizers: AuthorizerState[];
}

export interface HttpApis {
  apis: HttpApiInfo[];
  close(): Promise<void>;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
const TIMED_OUT = Symbol('timed out');

type Answer = GatewayResponse & { routeKey?: string; preflight?: boolean };

/** Serves each HTTP API of the template on its own port, as API Gateway would. */
export async function createHttpApis(options: HttpApisOptions): Promise<HttpApis> {
  const { stack, lambda, identities, issuer, log } = options;
  const host = options.host ?? '127.0.0.1';
  const apiResources = [...stack.resources.values()].filter(
    (resource) => resource.type === 'AWS::ApiGatewayV2::Api' && resource.properties.ProtocolType === 'HTTP',
  );
  const configs = apiResources.map((resource) => loadApi(stack, resource));
  const authorize = createAuthorize({ stack, identities, issuer, log });

  async function invoke(integration: Integration, event: Record<string, unknown>): Promise<GatewayResponse> {
    const invocation = lambda.invoke(integration.functionRef, event);
    // The invocation keeps running after a gateway timeout, as it does on AWS; its failure is then only logged.
    invocation.catch((error: unknown) =>
      log.error('Integration invocation failed', { error: String(error) }),
    );
    const result = await withTimeout(invocation, integration.timeoutMs);
    if (result === TIMED_OUT) throw new GatewayError(503, 'Service Unavailable');
    if (!result.ok) {
      log.warn('Integration function failed', {
        function: integration.functionRef,
        errorType: result.errorType,
        errorMessage: result.errorMessage,
      });
      throw new GatewayError(500, 'Internal Server Error');
    }
    try {
      return mapResponseV2(result.payload);
    } catch (error) {
      log.error('Malformed Lambda proxy response', {
        function: integration.functionRef,
        error: String(error),
      });
      throw new GatewayError(500, 'Internal Server Error');
    }
  }

  async function respond(
    config: ApiConfig,
    incoming: IncomingMessage,
    headers: Record<string, string[]>,
    requestId: string,
  ): Promise<Answer> {
    const method = (incoming.method ?? 'GET').toUpperCase();
    if (config.cors && isPreflight(method, headers)) {
      const corsHeaders = preflightHeaders(config.cors, headers);
      return { statusCode: 204, headers: corsHeaders, cookies: [], body: Buffer.alloc(0), preflight: true };
    }
    let body: Buffer;
    try {
      body = await readBody(incoming, MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLargeError) throw new GatewayError(413, 'Request Entity Too Large');
      throw error;
    }
    const { rawPath, rawQuery } = splitTarget(incoming.url);
    const request: GatewayRequest = {
      method,
      rawPath,
      rawQueryString: rawQuery,
      headers,
      body,
      sourceIp: sourceIpOf(incoming),
    };
    const match = selectRoute(config.routes, method, rawPath);
    if (!match) throw new GatewayError(404, 'Not Found');
    const { route, pathParameters } = match;
    const authorizer = await authorize(config, route.target, request);
    if (!route.target.integration) {
      log.error('Route has no integration', { routeKey: route.routeKey });
      throw new GatewayError(500, 'Internal Server Error');
    }
    const now = new Date();
    const event = buildEventV2(request, {
      routeKey: route.routeKey,
      apiId: config.apiId,
      accountId: stack.accountId,
      stage: STAGE,
      requestId,
      now,
      pathParameters,
      stageVariables: config.stageVariables,
      authorizer,
    });
    return { ...(await invoke(route.target.integration, event)), routeKey: route.routeKey };
  }

  function handler(config: ApiConfig) {
    return async (incoming: IncomingMessage, outgoing: ServerResponse) => {
      const started = performance.now();
      const requestId = newRequestId();
      const requestHeaders = headerLists(incoming);
      let response: Answer;
      try {
        response = await respond(config, incoming, requestHeaders, requestId);
      } catch (error) {
        if (!(error instanceof GatewayError)) {
          log.error('HTTP API request failed', { apiId: config.apiId, error: String(error) });
        }
        const statusCode = error instanceof GatewayError ? error.statusCode : 500;
        const message = error instanceof GatewayError ? error.message : 'Internal Server Error';
        response = {
          statusCode,
          headers: { 'content-type': 'application/json' },
          cookies: [],
          body: Buffer.from(JSON.stringify({ message })),
        };
      }
      const headers: Record<string, string | string[]> = { ...response.headers };
      if (config.cors && !response.preflight) {
        // With a CORS configuration the gateway's headers replace whatever the function sent.
        for (const name of Object.keys(headers)) if (name.startsWith('access-control-')) delete headers[name];
        Object.assign(headers, responseCorsHeaders(config.cors, requestHeaders));
      }
      if (response.cookies.length) headers['set-cookie'] = response.cookies;
      headers['apigw-requestid'] = requestId;
      headers['content-length'] = String(response.body.length);
      outgoing.writeHead(response.statusCode, headers);
      outgoing.end(response.body);
      options.meter?.apiRequest(
        { apiId: config.apiId, logicalId: config.resource.logicalId },
        response.routeKey ?? (response.preflight ? '(preflight)' : '(no route)'),
        response.statusCode,
        Number(incoming.headers['content-length'] ?? 0),
      );
      if (options.onRequest) {
        const { authorization: _authorization, cookie: _cookie, ...shown } = requestHeaders;
        options.onRequest({
          at: new Date().toISOString(),
          api: config.resource.logicalId,
          requestId,
          method: (incoming.method ?? 'GET').toUpperCase(),
          path: splitTarget(incoming.url).rawPath,
          ...(response.routeKey ? { routeKey: response.routeKey } : {}),
          status: response.statusCode,
          latencyMs: Math.round(performance.now() - started),
          headers: Object.fromEntries(
            Object.entries(shown).map(([name, values]) => [name, values.join(', ')]),
          ),
        });
      }
      log.info('http api request', {
        apiId: config.apiId,
        requestId,
        method: incoming.method,
        path: splitTarget(incoming.url).rawPath,
        routeKey: response.routeKey,
        status: response.statusCode,
        latencyMs: Math.round(performance.now() - started),
      });
    };
  }

  const servers: Server[] = [];
  const apis: HttpApiInfo[] = [];
  try {
    for (const config of configs) {
      const endpoint = config.resource.attributes.ApiEndpoint;
      const port = endpoint ? Number(new URL(endpoint).port || 80) : 0;
      const handle = handler(config);
      const server = createServer((incoming, outgoing) => {
        handle(incoming, outgoing).catch((error: unknown) => {
          log.error('HTTP API handler crashed', { error: String(error) });
          if (!outgoing.headersSent) outgoing.writeHead(500);
          outgoing.end();
        });
      });
      keepConnections(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      servers.push(server);
      const actualPort = (server.address() as AddressInfo).port;
      apis.push({
        logicalId: config.resource.logicalId,
        apiId: config.apiId,
        url: `http://${host}:${actualPort}`,
        authorizers: config.authorizers.map(({ issuer, audience }) => ({ issuer, audience })),
      });
    }
  } catch (error) {
    await Promise.all(servers.map(closeServer));
    throw error;
  }
  return {
    apis,
    close: async () => {
      await Promise.all(servers.map(closeServer));
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
