// The template infra/local/apigateway/http-apis.test.ts runs: a public API with a JWT authorizer and
// CORS, an internal API with AWS_IAM routes, their integrations and the functions' roles.
import { lambdaFunction, policy, resource, role, stackOf } from '../auth/test-support.ts';

export const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool';
const INVOKE_ARN = 'arn:aws:execute-api:us-east-1:000000000000';

function integration(logicalId: string, apiId: string, functionName: string, timeout = 5000) {
  return resource(logicalId, 'AWS::ApiGatewayV2::Integration', {
    ApiId: apiId,
    IntegrationType: 'AWS_PROXY',
    IntegrationUri: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    PayloadFormatVersion: '2.0',
    TimeoutInMillis: timeout,
  });
}

function route(
  logicalId: string,
  apiId: string,
  routeKey: string,
  target: string,
  auth: Record<string, unknown> = {},
) {
  return resource(logicalId, 'AWS::ApiGatewayV2::Route', {
    ApiId: apiId,
    RouteKey: routeKey,
    Target: `integrations/${target}`,
    AuthorizationType: 'NONE',
    ...auth,
  });
}

export const stack = stackOf([
  resource(
    'PublicApi',
    'AWS::ApiGatewayV2::Api',
    {
      ProtocolType: 'HTTP',
      CorsConfiguration: {
        AllowOrigins: ['https://app.example'],
        AllowMethods: ['GET', 'POST'],
        AllowHeaders: ['authorization', 'content-type'],
        MaxAge: 600,
      },
    },
    { ref: 'pubapi', attributes: { ApiEndpoint: 'http://127.0.0.1:0' } },
  ),
  resource(
    'InternalApi',
    'AWS::ApiGatewayV2::Api',
    { ProtocolType: 'HTTP' },
    { ref: 'intapi', attributes: { ApiEndpoint: 'http://127.0.0.1:0' } },
  ),
  resource('PublicAuthorizer', 'AWS::ApiGatewayV2::Authorizer', {
    ApiId: 'pubapi',
    AuthorizerType: 'JWT',
    IdentitySource: ['$request.header.Authorization'],
    JwtConfiguration: { Issuer: ISSUER, Audience: ['client-1'] },
  }),
  integration('ItemsIntegration', 'pubapi', 'Items'),
  integration('SlowIntegration', 'pubapi', 'Items', 100),
  integration('AccountsIntegration', 'intapi', 'Items'),
  route('GetItem', 'pubapi', 'GET /v1/items/{id}', 'ItemsIntegration', {
    AuthorizationType: 'JWT',
    AuthorizerId: 'PublicAuthorizer',
  }),
  route('Public', 'pubapi', 'ANY /v1/public/{proxy+}', 'ItemsIntegration'),
  route('Slow', 'pubapi', 'GET /v1/slow', 'SlowIntegration'),
  route('GetAccount', 'intapi', 'GET /accounts/{accountId}', 'AccountsIntegration', {
    AuthorizationType: 'AWS_IAM',
  }),
  role('CallerRole'),
  role('OtherRole'),
  role('ItemsRole'),
  policy(
    'CallerPolicy',
    ['CallerRole'],
    [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: `${INVOKE_ARN}:intapi/*/GET/accounts/*` }],
  ),
  policy(
    'OtherPolicy',
    ['OtherRole'],
    [
      {
        Effect: 'Allow',
        Action: 'execute-api:Invoke',
        Resource: `${INVOKE_ARN}:intapi/*/POST/drones/*/telemetry`,
      },
    ],
  ),
  lambdaFunction('Caller', 'CallerRole'),
  lambdaFunction('Other', 'OtherRole'),
  lambdaFunction('Items', 'ItemsRole'),
]);
