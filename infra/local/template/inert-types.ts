// The resource types accepted and resolved (others may reference them) with no local effect.
import { createHash } from 'node:crypto';
import {
  arn,
  deterministicId,
  functionArnFrom,
  generatedId,
  named,
  nameOf,
  type ResourceTypeSpec,
  userPoolIdentity,
} from './identities.ts';

/** The inert types, by CloudFormation type name. */
export const INERT_TYPES: Readonly<Record<string, ResourceTypeSpec>> = {
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
