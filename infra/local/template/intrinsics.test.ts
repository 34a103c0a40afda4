// Intrinsic functions, parameters and conditions, resolved through a whole template.
import { describe, expect, it } from 'vitest';
import type { Template } from './stack-resolver.ts';
import { one, resolve, sub } from './test-support.ts';

describe('intrinsic functions', () => {
  const withDescription = (description: unknown, extra: Partial<Template> = {}): Template => ({
    ...extra,
    Resources: { Fn: { Type: 'AWS::Lambda::Function', Properties: { Description: description } } },
  });

  it('substitutes references, attributes and variables in Fn::Sub and keeps escaped literals', () => {
    const template: Template = {
      Resources: {
        Table: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 't1' } },
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Description: {
              'Fn::Sub': [
                [sub('Table'), sub('Table.Arn'), sub('Var'), sub('!Literal'), sub('AWS::Region')].join('|'),
                { Var: { Ref: 'Table' } },
              ],
            },
          },
        },
      },
    };

    expect(one(template, 'Fn').properties.Description).toBe(
      `t1|arn:aws:dynamodb:us-east-1:000000000000:table/t1|t1|${sub('Literal')}|us-east-1`,
    );
  });

  it('selects from a split string', () => {
    const template = withDescription({ 'Fn::Select': [1, { 'Fn::Split': ['/', 'a/b/c'] }] });

    expect(one(template, 'Fn').properties.Description).toBe('b');
  });

  it('encodes Fn::Base64 and lists availability zones of the region', () => {
    const template = withDescription({
      'Fn::Join': [',', [{ 'Fn::Base64': 'hi' }, { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }]],
    });

    expect(one(template, 'Fn').properties.Description).toBe('aGk=,us-east-1a');
  });

  it('reads Fn::FindInMap from the Mappings section', () => {
    const template = withDescription(
      { 'Fn::FindInMap': ['Runtimes', { Ref: 'AWS::Region' }, 'value'] },
      { Mappings: { Runtimes: { 'us-east-1': { value: 'nodejs22.x' } } } },
    );

    expect(one(template, 'Fn').properties.Description).toBe('nodejs22.x');
  });

  it('uses parameter defaults', () => {
    const template = withDescription(
      { Ref: 'Stage' },
      { Parameters: { Stage: { Type: 'String', Default: 'dev' } } },
    );

    expect(one(template, 'Fn').properties.Description).toBe('dev');
  });

  it('refuses Fn::ImportValue naming the resource and the property path', () => {
    const template: Template = {
      Resources: {
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: { Environment: { Variables: { X: { 'Fn::ImportValue': 'Shared' } } } },
        },
      },
    };

    expect(() => resolve(template)).toThrow(
      'Fn::ImportValue is not supported by the local cloud (resource Fn, property Environment.Variables.X.Fn::ImportValue)',
    );
  });

  it('refuses Fn::GetAtt of an attribute the type does not offer', () => {
    const template: Template = {
      Resources: {
        Table: { Type: 'AWS::DynamoDB::Table', Properties: {} },
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: { Description: { 'Fn::GetAtt': ['Table', 'StreamArn'] } },
        },
      },
    };

    expect(() => resolve(template)).toThrow(/no attribute StreamArn for AWS::DynamoDB::Table \(resource Fn/);
  });
});

describe('conditions', () => {
  const conditional: Template = {
    Parameters: { Stage: { Type: 'String', Default: 'dev' } },
    Conditions: {
      IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] },
      IsDev: { 'Fn::Not': [{ Condition: 'IsProd' }] },
      DevAndNotProd: { 'Fn::And': [{ Condition: 'IsDev' }, { 'Fn::Not': [{ Condition: 'IsProd' }] }] },
      Either: { 'Fn::Or': [{ Condition: 'IsProd' }, { Condition: 'DevAndNotProd' }] },
    },
    Resources: {
      ProdOnly: { Type: 'AWS::SQS::Queue', Condition: 'IsProd' },
      DevOnly: { Type: 'AWS::SQS::Queue', Condition: 'Either' },
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Description: { 'Fn::If': ['IsDev', 'development', 'production'] },
          ReservedConcurrentExecutions: { 'Fn::If': ['IsProd', 10, { Ref: 'AWS::NoValue' }] },
        },
      },
    },
  };

  it('omits resources whose condition is false and keeps those whose condition is true', () => {
    const resources = resolve(conditional);

    expect(resources.has('ProdOnly')).toBe(false);
    expect(resources.has('DevOnly')).toBe(true);
  });

  it('chooses the Fn::If branch and removes a property that resolves to AWS::NoValue', () => {
    expect(one(conditional, 'Fn').properties).toEqual({ Description: 'development' });
  });

  it('refuses a reference to a resource its condition leaves out', () => {
    const template: Template = {
      ...conditional,
      Resources: {
        ...conditional.Resources,
        Other: { Type: 'AWS::Lambda::Function', Properties: { Description: { Ref: 'ProdOnly' } } },
      },
    };

    expect(() => resolve(template)).toThrow(
      /resource ProdOnly, which its condition leaves out \(resource Other/,
    );
  });
});
