import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAllowed } from '../auth/iam.ts';
import type { IdentityRegistry } from '../auth/identities.ts';
import type { LocalIssuer } from '../auth/jwt.ts';
import { verifySigV4 } from '../auth/sigv4.ts';
import type { AuthorizerState } from '../auth/state.ts';
import { BodyTooLargeError, headerLists, readBody, sourceIpOf, splitTarget } from '../edge/http.ts';
import type {
  CallerIdentity,
  LambdaInvoker,
  LocalLogger,
  ResolvedResource,
  ResolvedStack,
} from '../model.ts';
import { type CorsConfiguration, isPreflight, preflightHeaders, responseCorsHeaders } from './cors.ts';
import {
  type AuthorizerContext,
  buildEventV2,
  flattenClaims,
  type GatewayRequest,
  type GatewayResponse,
  mapResponseV2,
  newRequestId,
} from './payload.ts';
import { type CompiledRoute, compileRoute, selectRoute } from './routes.ts';

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const MAX_INTEGRATION_TIMEOUT_MS = 30_000;
const STAGE = '$default';

export interface HttpApisOptions {
  stack: ResolvedStack;
  lambda: LambdaInvoker;
  identities: IdentityRegistry;
  issuer: LocalIssuer;
  log: LocalLogger;
  host?: string;
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

interface JwtAuthorizer {
  issuer: string;
  audience: string[];
  identitySource: string[];
}

interface Integration {
  functionRef: string;
  timeoutMs: number;
}

interface RouteTarget {
  authorizationType: 'NONE' | 'JWT' | 'AWS_IAM';
  authorizer: JwtAuthorizer | undefined;
  scopes: string[];
  integration: Integration | undefined;
}

interface ApiConfig {
  resource: ResolvedResource;
  apiId: string;
  routes: CompiledRoute<RouteTarget>[];
  authorizers: JwtAuthorizer[];
  cors: CorsConfiguration | undefined;
  stageVariables: Record<string, string> | undefined;
}

class GatewayError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

/** A Lambda proxy integration's URI is the function ARN, or the API Gateway service path wrapping it. */
function functionRefOf(uri: string): string {
  const wrapped = /:lambda:path\/[^/]+\/functions\/(.+)\/invocations$/.exec(uri);
  return wrapped?.[1] ?? uri;
}

function loadApi(stack: ResolvedStack, api: ResolvedResource): ApiConfig {
  const apiId = api.ref;
  const owned = (type: string) =>
    [...stack.resources.values()].filter(
      (resource) => resource.type === type && resource.properties.ApiId === apiId,
    );
  const describe = (resource: ResolvedResource) => `${resource.type} ${resource.logicalId}`;

  const integrations = new Map<string, Integration>();
  for (const resource of owned('AWS::ApiGatewayV2::Integration')) {
    const { IntegrationType, IntegrationUri, PayloadFormatVersion, TimeoutInMillis } = resource.properties;
    if (IntegrationType !== 'AWS_PROXY' || typeof IntegrationUri !== 'string') {
      throw new Error(`${describe(resource)}: only AWS_PROXY Lambda integrations are supported locally`);
    }
    if (PayloadFormatVersion !== '2.0') {
      throw new Error(
        `${describe(resource)}: payload format ${String(PayloadFormatVersion ?? '1.0')} is not supported locally; use 2.0`,
      );
    }
    const timeout = Number(TimeoutInMillis ?? MAX_INTEGRATION_TIMEOUT_MS);
    integrations.set(resource.ref, {
      functionRef: functionRefOf(IntegrationUri),
      timeoutMs: Math.min(
        Number.isFinite(timeout) ? timeout : MAX_INTEGRATION_TIMEOUT_MS,
        MAX_INTEGRATION_TIMEOUT_MS,
      ),
    });
  }

  const authorizers = new Map<string, JwtAuthorizer>();
  for (const resource of owned('AWS::ApiGatewayV2::Authorizer')) {
    const { AuthorizerType, JwtConfiguration, IdentitySource } = resource.properties;
    if (AuthorizerType !== 'JWT') {
      throw new Error(
        `${describe(resource)}: authorizer type ${String(AuthorizerType)} is not supported locally`,
      );
    }
    const jwt = (JwtConfiguration ?? {}) as { Issuer?: unknown; Audience?: unknown };
    authorizers.set(resource.ref, {
      issuer: String(jwt.Issuer ?? ''),
      audience: strings(jwt.Audience),
      identitySource: strings(IdentitySource).length
        ? strings(IdentitySource)
        : ['$request.header.Authorization'],
    });
  }

  const routes = owned('AWS::ApiGatewayV2::Route').map((resource) => {
    const { RouteKey, AuthorizationType, AuthorizerId, AuthorizationScopes, Target } = resource.properties;
    const authorizationType = (AuthorizationType ?? 'NONE') as string;
    if (authorizationType !== 'NONE' && authorizationType !== 'JWT' && authorizationType !== 'AWS_IAM') {
      throw new Error(
        `${describe(resource)}: authorization type ${authorizationType} is not supported locally`,
      );
    }
    const authorizer = typeof AuthorizerId === 'string' ? authorizers.get(AuthorizerId) : undefined;
    if (authorizationType === 'JWT' && !authorizer) {
      throw new Error(
        `${describe(resource)}: JWT route without a known authorizer (${String(AuthorizerId)})`,
      );
    }
    const integrationId = typeof Target === 'string' ? Target.replace(/^integrations\//, '') : undefined;
    return compileRoute<RouteTarget>(String(RouteKey), {
      authorizationType,
      authorizer,
      scopes: strings(AuthorizationScopes),
      integration: integrationId ? integrations.get(integrationId) : undefined,
    });
  });

  const stage = owned('AWS::ApiGatewayV2::Stage').find((resource) => resource.properties.StageName === STAGE);
  const variables = stage?.properties.StageVariables;
  return {
    resource: api,
    apiId,
    routes,
    authorizers: [...authorizers.values()],
    cors: api.properties.CorsConfiguration as CorsConfiguration | undefined,
    stageVariables:
      variables && typeof variables === 'object'
        ? Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, String(value)]))
        : undefined,
  };
}

function tokenFrom(authorizer: JwtAuthorizer, request: GatewayRequest): string | undefined {
  for (const source of authorizer.identitySource) {
    const header = /^\$request\.header\.(.+)$/i.exec(source)?.[1];
    const query = /^\$request\.querystring\.(.+)$/i.exec(source)?.[1];
    let value: string | undefined;
    if (header) value = request.headers[header.toLowerCase()]?.[0];
    else if (query) value = new URLSearchParams(request.rawQueryString).get(query) ?? undefined;
    if (value) return value.replace(/^Bearer\s+/i, '').trim();
  }
  return undefined;
}

function scopesOf(claims: Record<string, unknown>): string[] {
  const scope = claims.scope ?? claims.scp;
  if (typeof scope === 'string') return scope.split(' ').filter(Boolean);
  return strings(scope);
}

function roleUniqueId(roleArn: string): string {
  return `AROA${createHash('sha256').update(roleArn).digest('hex').slice(0, 17).toUpperCase()}`;
}

function iamContext(caller: CallerIdentity, accessKey: string, accountId: string): AuthorizerContext {
  if (caller.kind === 'admin') {
    return {
      iam: {
        accessKey,
        accountId,
        callerId: accountId,
        cognitoIdentity: null,
        principalOrgId: null,
        userArn: `arn:aws:iam::${accountId}:root`,
        userId: accountId,
      },
    };
  }
  const roleName = caller.roleArn.split('/').pop() ?? caller.roleArn;
  const userId = `${roleUniqueId(caller.roleArn)}:${caller.functionName}`;
  return {
    iam: {
      accessKey,
      accountId,
      callerId: userId,
      cognitoIdentity: null,
      principalOrgId: null,
      userArn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${caller.functionName}`,
      userId,
    },
  };
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

  async function authorize(
    config: ApiConfig,
    target: RouteTarget,
    request: GatewayRequest,
  ): Promise<AuthorizerContext | undefined> {
    if (target.authorizationType === 'JWT' && target.authorizer) {
      const token = tokenFrom(target.authorizer, request);
      if (!token) throw new GatewayError(401, 'Unauthorized');
      const verified = await issuer.verify(token, target.authorizer);
      if (!verified.ok) {
        log.warn('JWT rejected', { apiId: config.apiId, reason: verified.reason });
        throw new GatewayError(401, 'Unauthorized');
      }
      const tokenScopes = scopesOf(verified.claims);
      if (target.scopes.length && !target.scopes.some((scope) => tokenScopes.includes(scope))) {
        throw new GatewayError(403, 'Forbidden');
      }
      return {
        jwt: { claims: flattenClaims(verified.claims), scopes: tokenScopes.length ? tokenScopes : null },
      };
    }
    if (target.authorizationType === 'AWS_IAM') {
      const check = await verifySigV4(
        { ...request, path: request.rawPath, rawQuery: request.rawQueryString },
        (accessKeyId) => identities.secretFor(accessKeyId),
      );
      if (!check.ok) {
        log.warn('SigV4 rejected', { apiId: config.apiId, reason: check.reason, detail: check.message });
        throw new GatewayError(403, 'Forbidden');
      }
      if (check.service !== 'execute-api') {
        log.warn('SigV4 scoped to another service', { apiId: config.apiId, service: check.service });
        throw new GatewayError(403, 'Forbidden');
      }
      const caller: CallerIdentity = identities.identify(check.accessKeyId) ?? {
        kind: 'admin',
        accessKeyId: check.accessKeyId,
      };
      if (caller.kind === 'function') {
        const resource = `arn:aws:execute-api:${stack.region}:${stack.accountId}:${config.apiId}/${STAGE}/${request.method}${request.rawPath}`;
        if (!isAllowed(caller.statements, 'execute-api:Invoke', resource, log)) {
          log.warn('IAM denied execute-api:Invoke', {
            function: caller.functionName,
            role: caller.roleArn,
            resource,
          });
          throw new GatewayError(403, 'Forbidden');
        }
      }
      return iamContext(caller, check.accessKeyId, stack.accountId);
    }
    return undefined;
  }

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
