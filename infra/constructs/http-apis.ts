// The two HTTP APIs. The public one takes Cognito JWTs; the internal one lets a caller in only
// when its SigV4 signature is valid and its role may `execute-api:Invoke` that very route.
import { CfnOutput, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  type HttpMethod,
  HttpNoneAuthorizer,
  HttpRoute,
  HttpRouteKey,
  type HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AccountRecovery,
  ClientAttributes,
  FeaturePlan,
  Mfa,
  StringAttribute,
  UserPool,
  type UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeNagRule } from './nag-acknowledgements.ts';

/** The claim that names the account a user acts for (see docs/architecture.md §3). */
export const ACCOUNT_ID_CLAIM = 'account_id';

interface ApiBaseProps {
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
}

// One JSON object per request: what an operator needs to follow a request across hops.
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    ip: '$context.identity.sourceIp',
    requestTime: '$context.requestTime',
    httpMethod: '$context.httpMethod',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    integrationLatencyMs: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
    principal: '$context.authorizer.claims.sub',
    caller: '$context.identity.userArn',
  }),
);

function createApi(
  scope: Construct,
  props: ApiBaseProps & { name: string; cors: boolean },
): [HttpApi, HttpStage] {
  const api = new HttpApi(scope, 'Api', {
    apiName: props.name,
    createDefaultStage: false,
    ...(props.cors
      ? {
          corsPreflight: {
            // Bearer tokens, no cookies: any origin may call with its own token.
            allowOrigins: ['*'],
            allowMethods: [
              CorsHttpMethod.GET,
              CorsHttpMethod.POST,
              CorsHttpMethod.PATCH,
              CorsHttpMethod.DELETE,
              CorsHttpMethod.OPTIONS,
            ],
            allowHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-correlation-id'],
            exposeHeaders: ['location', 'x-correlation-id'],
            maxAge: Duration.hours(1),
          },
        }
      : {}),
  });
  const accessLogs = new LogGroup(scope, 'AccessLogs', {
    retention: props.logRetention,
    removalPolicy: props.removalPolicy,
  });
  const stage = api.addStage('DefaultStage', {
    stageName: '$default',
    autoDeploy: true,
    throttle: props.throttle,
    accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: ACCESS_LOG_FORMAT },
  });
  return [api, stage];
}

export type PublicRouteAuth = 'jwt' | 'none';

/** The public API (`/v1`), its Cognito user pool and the JWT authorizer. */
export class PublicApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly userPool: UserPool;
  readonly userPoolClient: UserPoolClient;
  readonly authorizer: HttpJwtAuthorizer;
  readonly routes: { route: HttpRoute; auth: PublicRouteAuth }[] = [];

  constructor(scope: Construct, id: string, props: ApiBaseProps & { name: string }) {
    super(scope, id);
    [this.api, this.stage] = createApi(this, { ...props, cors: true });

    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      // Set by an administrator when the user is created and never by the user. Cognito puts it
      // into ID tokens as `custom:account_id`; the Accounts service's pre token generation (V2)
      // trigger copies it into the `account_id` claim of access and ID tokens.
      // Access-token customization needs the Essentials plan (10,000 monthly users free).
      featurePlan: FeaturePlan.ESSENTIALS,
      customAttributes: {
        [ACCOUNT_ID_CLAIM]: new StringAttribute({ mutable: false, minLen: 1, maxLen: 64 }),
      },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      removalPolicy: props.removalPolicy,
    });
    acknowledgeNagRule(
      this.userPool,
      'COG2',
      'MFA (TOTP) is offered to every user; requiring it would lock out the API clients that sign in non-interactively',
    );
    acknowledgeNagRule(
      this.userPool,
      'COG8',
      'The Plus feature plan (threat protection) is a per-user cost decision for the operator; the API throttles per stage',
    );
    this.userPoolClient = this.userPool.addClient('ApiClient', {
      // SRP for applications; the administrator's password flow (IAM credentials only) for
      // scripts/first-user.sh, which signs in the first user of a fresh deployment.
      authFlows: { userSrp: true, adminUserPassword: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      readAttributes: new ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true })
        .withCustomAttributes(ACCOUNT_ID_CLAIM),
      // account_id is deliberately not writable by the client.
      writeAttributes: new ClientAttributes().withStandardAttributes({ email: true }),
    });
    const region = Stack.of(this).region;
    this.authorizer = new HttpJwtAuthorizer(
      'JwtAuthorizer',
      `https://cognito-idp.${region}.${Stack.of(this).urlSuffix}/${this.userPool.userPoolId}`,
      {
        jwtAudience: [this.userPoolClient.userPoolClientId],
        identitySource: ['$request.header.Authorization'],
      },
    );
  }

  /** The base URL of the public API (no trailing slash). */
  get url(): string {
    return this.api.apiEndpoint;
  }

  /** Adds a route whose requests reach `fn`; every route takes a JWT unless `auth` is `none`. */
  addRoute(
    scope: Construct,
    id: string,
    method: HttpMethod,
    path: string,
    fn: IFunction,
    auth: PublicRouteAuth = 'jwt',
  ): HttpRoute {
    const route = new HttpRoute(scope, id, {
      httpApi: this.api,
      routeKey: HttpRouteKey.with(path, method),
      integration: new HttpLambdaIntegration(`${id}Integration`, fn),
      authorizer: auth === 'jwt' ? this.authorizer : new HttpNoneAuthorizer(),
    });
    this.routes.push({ route, auth });
    return route;
  }

  /** Exports the URL and the Cognito ids. */
  addOutputs(scope: Construct): void {
    new CfnOutput(scope, 'PublicApiUrl', { value: this.url, description: 'Base URL of the public API' });
    new CfnOutput(scope, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(scope, 'UserPoolClientId', { value: this.userPoolClient.userPoolClientId });
  }
}

/** An internal route as IAM sees it. */
export interface InternalRouteKey {
  readonly method: HttpMethod;
  readonly path: string;
}

/** The internal API: every route is IAM-authorized; callers are granted route by route. */
export class InternalApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly routes: HttpRoute[] = [];
  private readonly keys = new Map<HttpRoute, InternalRouteKey>();
  private readonly authorizer = new HttpIamAuthorizer();

  constructor(scope: Construct, id: string, props: ApiBaseProps & { name: string }) {
    super(scope, id);
    [this.api, this.stage] = createApi(this, { ...props, cors: false });
  }

  /** The base URL the callers' `INTERNAL_API_URL` holds (no trailing slash). */
  get url(): string {
    return this.api.apiEndpoint;
  }

  /** Adds an IAM-authorized route whose requests reach `fn`. */
  addRoute(scope: Construct, id: string, method: HttpMethod, path: string, fn: IFunction): HttpRoute {
    const route = new HttpRoute(scope, id, {
      httpApi: this.api,
      routeKey: HttpRouteKey.with(path, method),
      integration: new HttpLambdaIntegration(`${id}Integration`, fn),
      authorizer: this.authorizer,
    });
    this.routes.push(route);
    this.keys.set(route, { method, path });
    return route;
  }

  /** The method and path of one of this API's routes. */
  keyOf(route: HttpRoute): InternalRouteKey {
    const key = this.keys.get(route);
    if (key === undefined) {
      throw new Error(`${route.node.path} is not a route of ${this.node.path}`);
    }
    return key;
  }

  /**
   * The `execute-api:Invoke` ARN of exactly one route, in every stage. Each path parameter
   * becomes `*` in place (CDK's HttpRoute.routeArn cuts the path at the first parameter, which
   * would grant every route below it).
   */
  routeArn(route: HttpRoute): string {
    const { method, path } = this.keyOf(route);
    return Stack.of(this).formatArn({
      service: 'execute-api',
      resource: this.api.apiId,
      resourceName: `*/${method}${iamPath(path)}`,
    });
  }

  /**
   * The routes outside `allowed` that an ARN of `allowed` would still match, because IAM's `*`
   * also matches `/` (e.g. `GET /deliveries/*` covers `GET /deliveries/{id}/subscriptions`).
   */
  routesCoveredBeyond(allowed: readonly HttpRoute[]): HttpRoute[] {
    const patterns = allowed.map((route) => {
      const { method, path } = this.keyOf(route);
      return globToRegExp(`${method}${iamPath(path)}`);
    });
    return this.routes.filter((route) => {
      if (allowed.includes(route)) {
        return false;
      }
      const { method, path } = this.keyOf(route);
      return patterns.some((pattern) => pattern.test(`${method}${path}`));
    });
  }
}

/** A route path as an IAM resource: each `{parameter}` becomes `*`. */
export function iamPath(path: string): string {
  return path.replace(/\{[^}]+\}/g, '*');
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}
