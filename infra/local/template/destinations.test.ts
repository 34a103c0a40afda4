// Asynchronous destinations: SQS queues of the template load; any other target is refused at load.
import { describe, expect, it } from 'vitest';
import type { Template, TemplateResource } from './stack-resolver.ts';
import { resolve } from './test-support.ts';

const fn: TemplateResource = { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'worker' } };
const queue: TemplateResource = { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'failures' } };

function withInvokeConfig(
  destinationConfig: unknown,
  extra: Record<string, TemplateResource> = {},
): Template {
  return {
    Resources: {
      Fn: fn,
      Failures: queue,
      ...extra,
      FnEventInvokeConfig1234: {
        Type: 'AWS::Lambda::EventInvokeConfig',
        Properties: {
          FunctionName: { Ref: 'Fn' },
          Qualifier: '$LATEST',
          MaximumRetryAttempts: 0,
          DestinationConfig: destinationConfig,
        },
      },
    },
  };
}

describe('asynchronous destinations', () => {
  it('loads an event invoke config whose destinations are SQS queues of the template', () => {
    const template = withInvokeConfig({
      OnSuccess: { Destination: { 'Fn::GetAtt': ['Failures', 'Arn'] } },
      OnFailure: { Destination: { 'Fn::GetAtt': ['Failures', 'Arn'] } },
    });

    const config = resolve(template).get('FnEventInvokeConfig1234');

    expect(config?.properties.DestinationConfig).toEqual({
      OnSuccess: { Destination: 'arn:aws:sqs:us-east-1:000000000000:failures' },
      OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:failures' },
    });
  });

  it('refuses an on-failure destination on an SNS topic, naming the resource and the property', () => {
    const template = withInvokeConfig(
      { OnFailure: { Destination: { Ref: 'Alerts' } } },
      { Alerts: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'alerts' } } },
    );

    expect(() => resolve(template)).toThrow(
      "FnEventInvokeConfig1234: DestinationConfig.OnFailure.Destination points at an SNS topic (arn:aws:sns:us-east-1:000000000000:alerts); the local cloud delivers asynchronous destinations to the template's SQS queues only",
    );
  });

  it('refuses an on-success destination on a Lambda function', () => {
    const template = withInvokeConfig(
      { OnSuccess: { Destination: { 'Fn::GetAtt': ['Next', 'Arn'] } } },
      { Next: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'next' } } },
    );

    expect(() => resolve(template)).toThrow(
      'FnEventInvokeConfig1234: DestinationConfig.OnSuccess.Destination points at a Lambda function (arn:aws:lambda:us-east-1:000000000000:function:next)',
    );
  });

  it('refuses a destination on an EventBridge bus', () => {
    const template = withInvokeConfig(
      { OnFailure: { Destination: { 'Fn::GetAtt': ['Bus', 'Arn'] } } },
      { Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'shop' } } },
    );

    expect(() => resolve(template)).toThrow(
      'FnEventInvokeConfig1234: DestinationConfig.OnFailure.Destination points at an EventBridge event bus (arn:aws:events:us-east-1:000000000000:event-bus/shop)',
    );
  });

  it('refuses a destination on an SQS queue that is not in the template', () => {
    const template = withInvokeConfig({
      OnFailure: { Destination: 'arn:aws:sqs:us-east-1:111111111111:elsewhere' },
    });

    expect(() => resolve(template)).toThrow(
      'FnEventInvokeConfig1234: DestinationConfig.OnFailure.Destination points at the SQS queue arn:aws:sqs:us-east-1:111111111111:elsewhere, which is not a queue of this template',
    );
  });

  it('refuses a function dead-letter target on an SNS topic and loads one on a template queue', () => {
    const deadLetterTo = (target: unknown): Template => ({
      Resources: {
        Failures: queue,
        Alerts: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'alerts' } },
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: { FunctionName: 'worker', DeadLetterConfig: { TargetArn: target } },
        },
      },
    });

    expect(() => resolve(deadLetterTo({ Ref: 'Alerts' }))).toThrow(
      "Fn: DeadLetterConfig.TargetArn points at an SNS topic (arn:aws:sns:us-east-1:000000000000:alerts); the local cloud delivers dead letters to the template's SQS queues only",
    );
    expect(resolve(deadLetterTo({ 'Fn::GetAtt': ['Failures', 'Arn'] })).get('Fn')?.properties).toEqual({
      FunctionName: 'worker',
      DeadLetterConfig: { TargetArn: 'arn:aws:sqs:us-east-1:000000000000:failures' },
    });
  });

  it('refuses an event source mapping destination, which SQS sources never use', () => {
    const template: Template = {
      Resources: {
        Fn: fn,
        Jobs: { Type: 'AWS::SQS::Queue' },
        Failures: queue,
        Mapping: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: {
            FunctionName: { Ref: 'Fn' },
            EventSourceArn: { 'Fn::GetAtt': ['Jobs', 'Arn'] },
            DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Failures', 'Arn'] } } },
          },
        },
      },
    };

    expect(() => resolve(template)).toThrow(
      'Mapping: DestinationConfig.OnFailure.Destination (arn:aws:sqs:us-east-1:000000000000:failures) is not honoured locally',
    );
  });

  it('refuses a property an event invoke config does not have', () => {
    const template = withInvokeConfig({});
    const config = template.Resources?.FnEventInvokeConfig1234;
    if (config?.Properties) config.Properties.Destinations = {};

    expect(() => resolve(template)).toThrow(
      /Unsupported property Destinations of AWS::Lambda::EventInvokeConfig \(resource FnEventInvokeConfig1234\)/,
    );
  });
});
