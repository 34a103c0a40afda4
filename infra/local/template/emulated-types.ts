// The resource types the local cloud runs, each with every property it accepts (others are refused).
import { createHash } from 'node:crypto';
import { HTTP_API_TYPES } from './api-types.ts';
import {
  arn,
  generatedId,
  named,
  nameOf,
  queueIdentity,
  type ResourceTypeSpec,
  ruleIdentity,
  TAGS,
  tableIdentity,
} from './identities.ts';

/** The emulated types, by CloudFormation type name. */
export const EMULATED_TYPES: Readonly<Record<string, ResourceTypeSpec>> = {
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
      // Its target must be an SQS queue of the template (destinations.ts).
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
      // Refused when it names a destination (destinations.ts): SQS sources take none.
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
  'AWS::Lambda::EventInvokeConfig': {
    mode: 'emulated',
    knownProperties: [
      'FunctionName',
      'MaximumRetryAttempts',
      'MaximumEventAgeInSeconds',
      // Its destinations are checked by destinations.ts: SQS queues of the template only.
      'DestinationConfig',
      // Inert locally: each function runs one version, which the configuration applies to.
      'Qualifier',
    ],
    identity: generatedId(),
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
  ...HTTP_API_TYPES,
};
