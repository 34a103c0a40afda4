// The resource types the local cloud accepts, in one place: what `Ref` and `Fn::GetAtt` give for
// each, and, for the types it emulates, the properties it knows. Anything else is refused, so a
// template never runs locally with a part silently missing.
import { createHash } from 'node:crypto';

/** What a type's identity function may read. */
export interface IdentityInput {
  logicalId: string;
  stackName: string;
  region: string;
  accountId: string;
  /** Base URL of the local AWS edge endpoint (queue URLs are built on it). */
  edgeUrl: string;
  /** One of the resource's own properties, resolved (undefined when absent). */
  prop(name: string): unknown;
  /** The local port of an HTTP API (only for `AWS::ApiGatewayV2::Api`). */
  apiPort(): number;
}

/** A resource's physical name, its `Ref` value and its `Fn::GetAtt` attributes. */
export interface Identity {
  physicalName: string;
  ref: string;
  attributes: Record<string, string>;
}

export interface ResourceTypeSpec {
  /**
   * `emulated`: the local cloud acts on it, and refuses properties it does not know.
   * `inert`: accepted and resolved (so others can reference it), with no local effect.
   */
  mode: 'emulated' | 'inert';
  /** For emulated types: every property the local cloud accepts (acted on or documented as inert). */
  knownProperties?: readonly string[];
  identity(input: IdentityInput): Identity;
}

/** A short, deterministic, lowercase id derived from a logical id (API ids, client ids, ...). */
export function deterministicId(seed: string, length = 10): string {
  const digest = createHash('sha256').update(seed).digest();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let id = '';
  for (let i = 0; i < length; i++) id += alphabet[(digest[i] ?? 0) % alphabet.length];
  return id;
}

function nameOf(input: IdentityInput, property: string): string {
  const value = input.prop(property);
  return typeof value === 'string' && value !== '' ? value : input.logicalId;
}

const arn = (input: IdentityInput, service: string, resource: string, region = input.region): string =>
  `arn:aws:${service}:${region}:${input.accountId}:${resource}`;

/** A resource whose `Ref` is its name and which offers only that. */
const named =
  (
    property: string,
    attributes: (input: IdentityInput, name: string) => Record<string, string> = () => ({}),
  ) =>
  (input: IdentityInput): Identity => {
    const name = nameOf(input, property);
    return { physicalName: name, ref: name, attributes: attributes(input, name) };
  };

/** A resource whose `Ref` is a generated id. */
const generatedId =
  (length = 10) =>
  (input: IdentityInput): Identity => {
    const id = deterministicId(`${input.stackName}/${input.logicalId}`, length);
    return { physicalName: id, ref: id, attributes: {} };
  };

function functionArnFrom(input: IdentityInput, functionRef: unknown): string {
  const ref = typeof functionRef === 'string' ? functionRef : '';
  return ref.startsWith('arn:') ? ref : arn(input, 'lambda', `function:${ref}`);
}

function tableIdentity(input: IdentityInput): Identity {
  const name = nameOf(input, 'TableName');
  const tableArn = arn(input, 'dynamodb', `table/${name}`);
  const attributes: Record<string, string> = { Arn: tableArn, TableId: deterministicId(tableArn, 32) };
  // DynamoDB Local names its streams by creation time; this fixed label stands in for it in the
  // template (IAM grants use it). The event source mappings read the real one from DynamoDB Local.
  if (input.prop('StreamSpecification') !== undefined) {
    attributes.StreamArn = `${tableArn}/stream/1970-01-01T00:00:00.000`;
  }
  return { physicalName: name, ref: name, attributes };
}

function queueIdentity(input: IdentityInput): Identity {
  const fifo = String(input.prop('FifoQueue')) === 'true';
  let name = nameOf(input, 'QueueName');
  if (fifo && !name.endsWith('.fifo')) name = `${name}.fifo`;
  const url = `${input.edgeUrl}/${input.accountId}/${name}`;
  return {
    physicalName: name,
    ref: url,
    attributes: { Arn: arn(input, 'sqs', name), QueueName: name, QueueUrl: url },
  };
}

function busNameOf(input: IdentityInput): string {
  const bus = input.prop('EventBusName');
  if (typeof bus !== 'string' || bus === '') return 'default';
  // A rule may name its bus by ARN; the bus name is the part after `event-bus/`.
  return bus.startsWith('arn:') ? bus.slice(bus.lastIndexOf('/') + 1) : bus;
}

function ruleIdentity(input: IdentityInput): Identity {
  const name = nameOf(input, 'Name');
  const bus = busNameOf(input);
  const custom = bus !== 'default';
  return {
    physicalName: name,
    ref: custom ? `${bus}|${name}` : name,
    attributes: { Arn: arn(input, 'events', custom ? `rule/${bus}/${name}` : `rule/${name}`) },
  };
}

function userPoolIdentity(input: IdentityInput): Identity {
  const id = `${input.region}_${deterministicId(`${input.stackName}/${input.logicalId}`, 9).toUpperCase()}`;
  const providerName = `cognito-idp.${input.region}.amazonaws.com/${id}`;
  return {
    physicalName: id,
    ref: id,
    attributes: {
      Arn: arn(input, 'cognito-idp', `userpool/${id}`),
      ProviderName: providerName,
      ProviderURL: `https://${providerName}`,
      UserPoolId: id,
    },
  };
}

const apiChild =
  (idAttribute: string) =>
  (input: IdentityInput): Identity => {
    const id = deterministicId(`${input.stackName}/${input.logicalId}`, 7);
    return { physicalName: id, ref: id, attributes: { [idAttribute]: id } };
  };

/** Properties every emulated type may carry without effect here. */
const TAGS = ['Tags'] as const;

/** Every resource type the local cloud accepts. Types not listed here are refused. */
export const RESOURCE_TYPES: Readonly<Record<string, ResourceTypeSpec>> = {
  // --- Emulated: the local cloud runs these. -------------------------------------------------
  'AWS::Lambda::Function': {
    mode: 'emulated',
    knownProperties: [
      'Code',
      'Handler',
      'Runtime',
      'Role',
      'FunctionName',
      'Environment',
      'Timeout',
      'ReservedConcurrentExecutions',
      'DeadLetterConfig',
      'Description',
      'PackageType',
      // Inert locally: functions run in this Node.js process, with no memory limit, architecture,
      // tracing, VPC, log configuration or signing.
      'MemorySize',
      'Architectures',
      'TracingConfig',
      'LoggingConfig',
      'EphemeralStorage',
      'KmsKeyArn',
      'RuntimeManagementConfig',
      'SnapStart',
      'VpcConfig',
      'CodeSigningConfigArn',
      'RecursiveLoop',
      ...TAGS,
    ],
    identity: (input) => {
      const name = nameOf(input, 'FunctionName');
      return { physicalName: name, ref: name, attributes: { Arn: arn(input, 'lambda', `function:${name}`) } };
    },
  },
  'AWS::Lambda::EventSourceMapping': {
    mode: 'emulated',
    knownProperties: [
      'EventSourceArn',
      'FunctionName',
      'BatchSize',
      'MaximumBatchingWindowInSeconds',
      'FunctionResponseTypes',
      'Enabled',
      'ScalingConfig',
      'FilterCriteria',
      'StartingPosition',
      'StartingPositionTimestamp',
      'BisectBatchOnFunctionError',
      'MaximumRetryAttempts',
      'MaximumRecordAgeInSeconds',
      'DestinationConfig',
      'ParallelizationFactor',
      'TumblingWindowInSeconds',
      // Inert locally: no metrics, no encryption of filter criteria.
      'MetricsConfig',
      'KmsKeyArn',
      ...TAGS,
    ],
    identity: (input) => {
      const hex = createHash('sha256').update(`${input.stackName}/${input.logicalId}`).digest('hex');
      const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
      return {
        physicalName: uuid,
        ref: uuid,
        attributes: { Id: uuid, EventSourceMappingArn: arn(input, 'lambda', `event-source-mapping:${uuid}`) },
      };
    },
  },
  'AWS::SQS::Queue': {
    mode: 'emulated',
    knownProperties: [
      'QueueName',
      'FifoQueue',
      'ContentBasedDeduplication',
      'DeduplicationScope',
      'FifoThroughputLimit',
      'VisibilityTimeout',
      'MessageRetentionPeriod',
      'DelaySeconds',
      'ReceiveMessageWaitTimeSeconds',
      'MaximumMessageSize',
      'RedrivePolicy',
      'RedriveAllowPolicy',
      // Inert locally: messages are not encrypted.
      'KmsMasterKeyId',
      'KmsDataKeyReusePeriodSeconds',
      'SqsManagedSseEnabled',
      ...TAGS,
    ],
    identity: queueIdentity,
  },
  'AWS::DynamoDB::Table': {
    mode: 'emulated',
    knownProperties: [
      'TableName',
      'KeySchema',
      'AttributeDefinitions',
      'GlobalSecondaryIndexes',
      'LocalSecondaryIndexes',
      'BillingMode',
      'ProvisionedThroughput',
      'StreamSpecification',
      'TimeToLiveSpecification',
      // Inert locally: backups, encryption, deletion protection, table class, insights, capacity hints.
      'PointInTimeRecoverySpecification',
      'SSESpecification',
      'DeletionProtectionEnabled',
      'TableClass',
      'ContributorInsightsSpecification',
      'OnDemandThroughput',
      'WarmThroughput',
      'ResourcePolicy',
      ...TAGS,
    ],
    identity: tableIdentity,
  },
  'AWS::DynamoDB::GlobalTable': {
    mode: 'emulated',
    knownProperties: [
      'TableName',
      'KeySchema',
      'AttributeDefinitions',
      'GlobalSecondaryIndexes',
      'LocalSecondaryIndexes',
      'BillingMode',
      'StreamSpecification',
      'TimeToLiveSpecification',
      // Inert locally: one region, no encryption, capacity settings have no effect.
      'Replicas',
      'SSESpecification',
      'WriteProvisionedThroughputSettings',
      'WriteOnDemandThroughputSettings',
      'WarmThroughput',
    ],
    identity: tableIdentity,
  },
  'AWS::Events::EventBus': {
    mode: 'emulated',
    knownProperties: [
      'Name',
      // Inert locally: no encryption, no bus-level DLQ for the bus itself, no resource policy, no logs.
      'Description',
      'DeadLetterConfig',
      'KmsKeyIdentifier',
      'Policy',
      'LogConfig',
      ...TAGS,
    ],
    identity: named('Name', (input, name) => ({
      Arn: arn(input, 'events', `event-bus/${name}`),
      Name: name,
    })),
  },
  'AWS::Events::Rule': {
    mode: 'emulated',
    knownProperties: [
      'Name',
      'EventBusName',
      'EventPattern',
      'ScheduleExpression',
      'State',
      'Targets',
      // Inert locally: targets are invoked without assuming a role.
      'Description',
      'RoleArn',
    ],
    identity: ruleIdentity,
  },
  'AWS::Events::Archive': {
    mode: 'emulated',
    knownProperties: [
      'ArchiveName',
      'SourceArn',
      'EventPattern',
      'RetentionDays',
      'Description',
      'KmsKeyIdentifier',
    ],
    identity: named('ArchiveName', (input, name) => ({ Arn: arn(input, 'events', `archive/${name}`) })),
  },
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
  'Custom::Trigger': {
    mode: 'emulated',
    knownProperties: ['ServiceToken', 'HandlerArn', 'InvocationType', 'Timeout', 'ExecuteOnHandlerChange'],
    identity: generatedId(16),
  },
  'AWS::CloudFormation::CustomResource': {
    mode: 'emulated',
    knownProperties: ['ServiceToken', 'HandlerArn', 'InvocationType', 'Timeout', 'ExecuteOnHandlerChange'],
    identity: generatedId(16),
  },

  // --- Inert: accepted and resolvable, no local effect (IAM is read by the auth part). ------
  'AWS::Lambda::Version': {
    mode: 'inert',
    identity: (input) => {
      const functionArn = functionArnFrom(input, input.prop('FunctionName'));
      return {
        physicalName: `${functionArn}:1`,
        ref: `${functionArn}:1`,
        attributes: { Version: '1', FunctionArn: functionArn },
      };
    },
  },
  'AWS::Lambda::Alias': {
    mode: 'inert',
    identity: (input) => {
      const aliasArn = `${functionArnFrom(input, input.prop('FunctionName'))}:${nameOf(input, 'Name')}`;
      return { physicalName: aliasArn, ref: aliasArn, attributes: { AliasArn: aliasArn } };
    },
  },
  'AWS::Lambda::Permission': { mode: 'inert', identity: generatedId() },
  'AWS::Lambda::EventInvokeConfig': { mode: 'inert', identity: generatedId() },
  'AWS::IAM::Role': {
    mode: 'inert',
    identity: named('RoleName', (input, name) => ({
      Arn: `arn:aws:iam::${input.accountId}:role/${name}`,
      RoleId: `AROA${deterministicId(name, 17).toUpperCase()}`,
    })),
  },
  'AWS::IAM::Policy': { mode: 'inert', identity: named('PolicyName') },
  'AWS::IAM::ManagedPolicy': {
    mode: 'inert',
    identity: (input) => {
      const policyArn = `arn:aws:iam::${input.accountId}:policy/${nameOf(input, 'ManagedPolicyName')}`;
      return {
        physicalName: nameOf(input, 'ManagedPolicyName'),
        ref: policyArn,
        attributes: { PolicyArn: policyArn },
      };
    },
  },
  'AWS::SQS::QueuePolicy': { mode: 'inert', identity: generatedId() },
  'AWS::Events::EventBusPolicy': { mode: 'inert', identity: generatedId() },
  'AWS::ApiGatewayV2::Stage': { mode: 'inert', identity: named('StageName') },
  'AWS::Cognito::UserPool': { mode: 'inert', identity: userPoolIdentity },
  'AWS::Cognito::UserPoolClient': {
    mode: 'inert',
    identity: (input) => {
      const id = deterministicId(`${input.stackName}/${input.logicalId}`, 26);
      return { physicalName: id, ref: id, attributes: { ClientId: id, Name: nameOf(input, 'ClientName') } };
    },
  },
  'AWS::Cognito::UserPoolDomain': { mode: 'inert', identity: named('Domain') },
  'AWS::Cognito::UserPoolResourceServer': { mode: 'inert', identity: named('Identifier') },
  'AWS::Logs::LogGroup': {
    mode: 'inert',
    identity: named('LogGroupName', (input, name) => ({ Arn: arn(input, 'logs', `log-group:${name}:*`) })),
  },
  'AWS::SNS::Topic': {
    mode: 'inert',
    identity: (input) => {
      const name = nameOf(input, 'TopicName');
      const topicArn = arn(input, 'sns', name);
      return { physicalName: name, ref: topicArn, attributes: { TopicArn: topicArn, TopicName: name } };
    },
  },
  'AWS::SNS::Subscription': { mode: 'inert', identity: generatedId() },
  'AWS::SNS::TopicPolicy': { mode: 'inert', identity: generatedId() },
  'AWS::KMS::Key': {
    mode: 'inert',
    identity: (input) => {
      const hex = createHash('sha256').update(`${input.stackName}/${input.logicalId}`).digest('hex');
      const keyId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
      return {
        physicalName: keyId,
        ref: keyId,
        attributes: { Arn: arn(input, 'kms', `key/${keyId}`), KeyId: keyId },
      };
    },
  },
  'AWS::KMS::Alias': { mode: 'inert', identity: named('AliasName') },
  'AWS::CloudWatch::Alarm': {
    mode: 'inert',
    identity: named('AlarmName', (input, name) => ({ Arn: arn(input, 'cloudwatch', `alarm:${name}`) })),
  },
  'AWS::CloudWatch::CompositeAlarm': {
    mode: 'inert',
    identity: named('AlarmName', (input, name) => ({ Arn: arn(input, 'cloudwatch', `alarm:${name}`) })),
  },
  'AWS::CloudWatch::Dashboard': { mode: 'inert', identity: named('DashboardName') },
  'AWS::EventSchemas::Registry': {
    mode: 'inert',
    identity: (input) => {
      const name = nameOf(input, 'RegistryName');
      const registryArn = arn(input, 'schemas', `registry/${name}`);
      return {
        physicalName: name,
        ref: registryArn,
        attributes: { RegistryArn: registryArn, RegistryName: name },
      };
    },
  },
  'AWS::EventSchemas::Schema': {
    mode: 'inert',
    identity: (input) => {
      const name = nameOf(input, 'SchemaName');
      const registry = String(input.prop('RegistryName') ?? 'default');
      const schemaArn = arn(input, 'schemas', `schema/${registry}/${name}`);
      return {
        physicalName: name,
        ref: schemaArn,
        attributes: { SchemaArn: schemaArn, SchemaName: name, SchemaVersion: '1' },
      };
    },
  },
  // CDK's log retention helper sets retention on a log group in the account: nothing to do here.
  'Custom::LogRetention': { mode: 'inert', identity: generatedId() },
};

/** Resource types that the local cloud skips entirely (not even resolved). */
export const IGNORED_RESOURCE_TYPES: ReadonlySet<string> = new Set(['AWS::CDK::Metadata']);
