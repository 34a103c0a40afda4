import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadStack, resolveTemplate, type Template } from './load-stack.ts';

// CloudFormation's Fn::Sub placeholders, written without `${` in a plain string literal.
const sub = (name: string) => `$${'{'}${name}}`;

const options = { stackName: 'App', edgeUrl: 'http://127.0.0.1:4566', apiBasePort: 3100 };

function resolve(template: Template) {
  return resolveTemplate(template, options);
}

function one(template: Template, logicalId: string) {
  const resource = resolve(template).get(logicalId);
  if (!resource) throw new Error(`${logicalId} not resolved`);
  return resource;
}

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

describe('loadStack', () => {
  let dir: string;
  let stateDir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cdk-out-'));
    stateDir = await mkdtemp(path.join(tmpdir(), 'state-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(stateDir, { recursive: true, force: true });
  });

  async function writeAssembly(template: Template) {
    await writeFile(
      path.join(dir, 'manifest.json'),
      JSON.stringify({
        version: '48.0.0',
        artifacts: {
          'App.assets': { type: 'cdk:asset-manifest', properties: { file: 'App.assets.json' } },
          App: {
            type: 'aws:cloudformation:stack',
            dependencies: ['App.assets'],
            properties: { templateFile: 'App.template.json' },
          },
        },
      }),
    );
    await writeFile(path.join(dir, 'App.template.json'), JSON.stringify(template));
    await writeFile(
      path.join(dir, 'App.assets.json'),
      JSON.stringify({
        version: '48.0.0',
        files: {
          abc123: {
            source: { path: 'asset.abc123', packaging: 'zip' },
            destinations: { 'current_account-current_region': { bucketName: 'b', objectKey: 'abc123.zip' } },
          },
        },
      }),
    );
    await mkdir(path.join(dir, 'asset.abc123'));
    await writeFile(path.join(dir, 'asset.abc123', 'index.mjs'), 'export const handler = async () => 1;');
  }

  it('maps a function whose code is an S3 asset to the asset folder', async () => {
    await writeAssembly({
      Resources: {
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Code: { S3Bucket: { 'Fn::Sub': `cdk-assets-${sub('AWS::AccountId')}` }, S3Key: 'abc123.zip' },
          },
        },
      },
    });

    const stack = await loadStack(dir, { edgeUrl: 'http://127.0.0.1:4566', apiBasePort: 3100, stateDir });

    expect(stack.stackName).toBe('App');
    expect(stack.functionCode.get('Fn')).toBe(path.join(dir, 'asset.abc123'));
  });

  it('writes inline function code to the state folder as a CommonJS index.js', async () => {
    await writeAssembly({
      Resources: {
        Inline: {
          Type: 'AWS::Lambda::Function',
          Properties: { Code: { ZipFile: 'exports.handler = async () => 2;' } },
        },
      },
    });

    const stack = await loadStack(dir, { edgeUrl: 'http://127.0.0.1:4566', apiBasePort: 3100, stateDir });

    const folder = stack.functionCode.get('Inline')!;
    expect(await readFile(path.join(folder, 'index.js'), 'utf8')).toBe('exports.handler = async () => 2;');
    expect(JSON.parse(await readFile(path.join(folder, 'package.json'), 'utf8'))).toEqual({
      type: 'commonjs',
    });
  });

  it('refuses a function whose asset key is not in the asset manifest', async () => {
    await writeAssembly({
      Resources: {
        Fn: { Type: 'AWS::Lambda::Function', Properties: { Code: { S3Bucket: 'b', S3Key: 'missing.zip' } } },
      },
    });

    await expect(
      loadStack(dir, { edgeUrl: 'http://127.0.0.1:4566', apiBasePort: 3100, stateDir }),
    ).rejects.toThrow(
      'No asset in the cloud assembly has object key missing.zip (resource Fn, property Code)',
    );
  });

  it('refuses a stack name that is not in the assembly', async () => {
    await writeAssembly({ Resources: {} });

    await expect(
      loadStack(dir, { edgeUrl: 'http://127.0.0.1:4566', apiBasePort: 3100, stackName: 'Other', stateDir }),
    ).rejects.toThrow(/No stack Other .*stacks: App/);
  });
});
