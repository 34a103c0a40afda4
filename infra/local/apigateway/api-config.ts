// Reads an HTTP API's configuration (routes, integrations, JWT authorizers, CORS, stage) from the stack.
import type { ResolvedResource, ResolvedStack } from '../model.ts';
import type { CorsConfiguration } from './cors.ts';
import { type CompiledRoute, compileRoute } from './routes.ts';

export const MAX_INTEGRATION_TIMEOUT_MS = 30_000;
export const STAGE = '$default';

export interface JwtAuthorizer {
  issuer: string;
  audience: string[];
  identitySource: string[];
}

export interface Integration {
  functionRef: string;
  timeoutMs: number;
}

export interface RouteTarget {
  authorizationType: 'NONE' | 'JWT' | 'AWS_IAM';
  authorizer: JwtAuthorizer | undefined;
  scopes: string[];
  integration: Integration | undefined;
}

export interface ApiConfig {
  resource: ResolvedResource;
  apiId: string;
  routes: CompiledRoute<RouteTarget>[];
  authorizers: JwtAuthorizer[];
  cors: CorsConfiguration | undefined;
  stageVariables: Record<string, string> | undefined;
}

export const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

/** A Lambda proxy integration's URI is the function ARN, or the API Gateway service path wrapping it. */
function functionRefOf(uri: string): string {
  const wrapped = /:lambda:path\/[^/]+\/functions\/(.+)\/invocations$/.exec(uri);
  return wrapped?.[1] ?? uri;
}

/** Reads an HTTP API's routes, integrations, authorizers, CORS and stage variables from the stack. */
export function loadApi(stack: ResolvedStack, api: ResolvedResource): ApiConfig {
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
