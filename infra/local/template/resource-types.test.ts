// The resource types and properties the local cloud refuses, and the inert ones it accepts.
import { describe, expect, it } from 'vitest';
import type { Template } from './stack-resolver.ts';
import { resolve } from './test-support.ts';

describe('what the local cloud refuses', () => {
  it('refuses an unsupported resource type naming it and the resource', () => {
    const template: Template = { Resources: { Bucket: { Type: 'AWS::S3::Bucket' } } };

    expect(() => resolve(template)).toThrow('Unsupported resource type AWS::S3::Bucket (resource Bucket)');
  });

  it('refuses an unknown property of an emulated type', () => {
    const template: Template = {
      Resources: { Fn: { Type: 'AWS::Lambda::Function', Properties: { Layers: ['arn:layer'] } } },
    };

    expect(() => resolve(template)).toThrow(
      /Unsupported property Layers of AWS::Lambda::Function \(resource Fn\)/,
    );
  });

  it('accepts inert properties of emulated types and inert types', () => {
    const template: Template = {
      Rules: { CheckBootstrapVersion: {} },
      Resources: {
        Table: {
          Type: 'AWS::DynamoDB::Table',
          Properties: { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } },
        },
        Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { AnythingGoes: 1 } },
        CDKMetadata: { Type: 'AWS::CDK::Metadata' },
      },
    } as Template;

    expect([...resolve(template).keys()]).toEqual(['Table', 'Alarm']);
  });
});
