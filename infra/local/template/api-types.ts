// The API Gateway HTTP API types the local cloud serves, each with every property it accepts.
import { apiChild, deterministicId, type ResourceTypeSpec, TAGS } from './identities.ts';

/** The emulated HTTP API types, by CloudFormation type name. */
export const HTTP_API_TYPES: Readonly<Record<string, ResourceTypeSpec>> = {
  'AWS::ApiGatewayV2::Api': {
    mode: 'emulated',
    knownProperties: [
      'Name',
      'ProtocolType',
      'CorsConfiguration',
      'DisableExecuteApiEndpoint',
      // Inert locally.
      'Description',
      'Version',
      'IpAddressType',
      'DisableSchemaValidation',
      'RouteSelectionExpression',
      ...TAGS,
    ],
    identity: (input) => {
      const id = deterministicId(`${input.stackName}/${input.logicalId}`, 10);
      return {
        physicalName: id,
        ref: id,
        attributes: { ApiEndpoint: `http://127.0.0.1:${input.apiPort()}`, ApiId: id },
      };
    },
  },
  'AWS::ApiGatewayV2::Route': {
    mode: 'emulated',
    knownProperties: [
      'ApiId',
      'RouteKey',
      'Target',
      'AuthorizationType',
      'AuthorizerId',
      'AuthorizationScopes',
      // Inert locally.
      'OperationName',
      'ApiKeyRequired',
      'RequestParameters',
    ],
    identity: apiChild('RouteId'),
  },
  'AWS::ApiGatewayV2::Integration': {
    mode: 'emulated',
    knownProperties: [
      'ApiId',
      'IntegrationType',
      'IntegrationUri',
      'PayloadFormatVersion',
      'TimeoutInMillis',
      'IntegrationMethod',
      'RequestParameters',
      'ResponseParameters',
      // Inert locally: no VPC link, no role assumption.
      'Description',
      'ConnectionType',
      'CredentialsArn',
    ],
    identity: apiChild('IntegrationId'),
  },
  'AWS::ApiGatewayV2::Authorizer': {
    mode: 'emulated',
    knownProperties: [
      'ApiId',
      'AuthorizerType',
      'Name',
      'IdentitySource',
      'JwtConfiguration',
      'AuthorizerUri',
      'AuthorizerPayloadFormatVersion',
      'EnableSimpleResponses',
      'AuthorizerResultTtlInSeconds',
      'AuthorizerCredentialsArn',
    ],
    identity: apiChild('AuthorizerId'),
  },
};
