// Checks a route's authorization (JWT authorizer or SigV4 with IAM policies) and builds the event's authorizer context.
import { createHash } from 'node:crypto';
import { createPolicyDecisions } from '../auth/iam.ts';
import type { IdentityRegistry } from '../auth/identities.ts';
import type { LocalIssuer } from '../auth/jwt.ts';
import { verifySigV4 } from '../auth/sigv4.ts';
import type { CallerIdentity, LocalLogger, ResolvedStack } from '../model.ts';
import { type ApiConfig, type JwtAuthorizer, type RouteTarget, STAGE, strings } from './api-config.ts';
import { GatewayError } from './gateway-error.ts';
import { type AuthorizerContext, flattenClaims, type GatewayRequest } from './payload.ts';

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

export interface AuthorizeOptions {
  stack: ResolvedStack;
  identities: IdentityRegistry;
  issuer: LocalIssuer;
  log: LocalLogger;
}

/** A route request's authorization check, or a `GatewayError` (401, 403) when it fails. */
export type Authorize = (
  config: ApiConfig,
  target: RouteTarget,
  request: GatewayRequest,
) => Promise<AuthorizerContext | undefined>;

/** The authorization check of a stack's HTTP APIs: the authorizer context of an allowed request. */
export function createAuthorize(options: AuthorizeOptions): Authorize {
  const { stack, identities, issuer, log } = options;
  const isAllowed = createPolicyDecisions();
  return async function authorize(
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
  };
}
