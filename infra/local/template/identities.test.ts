// What Ref and Fn::GetAtt give for the resource types: names, ARNs, URLs, ports and generated ids.
import { describe, expect, it } from 'vitest';
import type { Template } from './stack-resolver.ts';
import { one, resolve } from './test-support.ts';

describe('references and attributes', () => {
  it('resolves a queue Ref to its URL on the edge and its ARN in AWS format', () => {
    const template: Template = {
      Resources: {
        Dlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'jobs-dlq' } },
        Jobs: {
          Type: 'AWS::SQS::Queue',
          Properties: {
            RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] }, maxReceiveCount: 3 },
          },
        },
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: { Environment: { Variables: { QUEUE_URL: { Ref: 'Jobs' } } } },
        },
      },
    };

    const resources = resolve(template);

    expect(resources.get('Fn')?.properties).toEqual({
      Environment: { Variables: { QUEUE_URL: 'http://127.0.0.1:4566/000000000000/Jobs' } },
    });
    expect(resources.get('Jobs')?.properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:jobs-dlq',
      maxReceiveCount: 3,
    });
  });

  it('names a FIFO queue without a name after its logical id with the .fifo suffix', () => {
    const queue = one(
      { Resources: { Requests: { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: true } } } },
      'Requests',
    );

    expect(queue.physicalName).toBe('Requests.fifo');
    expect(queue.attributes.QueueUrl).toBe('http://127.0.0.1:4566/000000000000/Requests.fifo');
  });

  it('resolves the string form of Fn::GetAtt like the array form', () => {
    const template: Template = {
      Resources: {
        Table: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'orders' } },
        Fn: { Type: 'AWS::Lambda::Function', Properties: { Description: { 'Fn::GetAtt': 'Table.Arn' } } },
      },
    };

    expect(one(template, 'Fn').properties.Description).toBe(
      'arn:aws:dynamodb:us-east-1:000000000000:table/orders',
    );
  });

  it('gives a rule on a custom bus the bus|name Ref and the rule/<bus>/<name> ARN', () => {
    const template: Template = {
      Resources: {
        Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'shop' } },
        Rule: { Type: 'AWS::Events::Rule', Properties: { EventBusName: { Ref: 'Bus' }, EventPattern: {} } },
      },
    };

    const rule = one(template, 'Rule');

    expect(rule.ref).toBe('shop|Rule');
    expect(rule.attributes.Arn).toBe('arn:aws:events:us-east-1:000000000000:rule/shop/Rule');
  });

  it('gives HTTP APIs consecutive ports from the base port in template order', () => {
    const template: Template = {
      Resources: {
        Public: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'public', ProtocolType: 'HTTP' } },
        Internal: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'internal', ProtocolType: 'HTTP' } },
      },
    };

    const resources = resolve(template);

    expect(resources.get('Public')?.attributes.ApiEndpoint).toBe('http://127.0.0.1:3100');
    expect(resources.get('Internal')?.attributes.ApiEndpoint).toBe('http://127.0.0.1:3101');
    expect(resources.get('Public')?.ref).toMatch(/^[a-z0-9]{10}$/);
  });

  it('resolves a Lambda Version Ref to the function ARN with version 1', () => {
    const template: Template = {
      Resources: {
        Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'seed' } },
        Version: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Fn' } } },
      },
    };

    expect(one(template, 'Version').ref).toBe('arn:aws:lambda:us-east-1:000000000000:function:seed:1');
  });

  it('gives a user pool a region-prefixed id and the matching provider URL', () => {
    const pool = one({ Resources: { Pool: { Type: 'AWS::Cognito::UserPool' } } }, 'Pool');

    expect(pool.ref).toMatch(/^us-east-1_[A-Z0-9]{9}$/);
    expect(pool.attributes.ProviderURL).toBe(`https://cognito-idp.us-east-1.amazonaws.com/${pool.ref}`);
  });

  it('resolves pseudo parameters to the local region, account and stack', () => {
    const template: Template = {
      Resources: {
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Description: {
              'Fn::Join': [
                ':',
                [
                  { Ref: 'AWS::Partition' },
                  { Ref: 'AWS::Region' },
                  { Ref: 'AWS::AccountId' },
                  { Ref: 'AWS::StackName' },
                  { Ref: 'AWS::URLSuffix' },
                ],
              ],
            },
          },
        },
      },
    };

    expect(one(template, 'Fn').properties.Description).toBe('aws:us-east-1:000000000000:App:amazonaws.com');
  });
});
