import { describe, expect, it } from 'vitest';
import { createIdentityRegistry } from './identities.ts';
import { lambdaFunction, policy, resource, role, stackOf } from './test-support.ts';

const table = 'arn:aws:dynamodb:us-east-1:000000000000:table/Orders';

function stack() {
  return stackOf([
    role('WriterRole', {
      ManagedPolicyArns: [
        'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
        'arn:managed:Extra',
      ],
      Policies: [
        {
          PolicyName: 'inline',
          PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:q' }] },
        },
      ],
    }),
    policy(
      'WriterPolicy',
      ['WriterRole'],
      [{ Effect: 'Allow', Action: ['dynamodb:PutItem'], Resource: [table] }],
    ),
    policy('OtherPolicy', ['OtherRole'], [{ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' }]),
    resource(
      'ExtraManaged',
      'AWS::IAM::ManagedPolicy',
      { PolicyDocument: { Statement: { Effect: 'Deny', Action: 'dynamodb:DeleteItem', Resource: table } } },
      { ref: 'arn:managed:Extra' },
    ),
    lambdaFunction('Writer', 'WriterRole'),
  ]);
}

describe('createIdentityRegistry', () => {
  it('derives the same LOCAL access key for a function on every start', () => {
    const first = createIdentityRegistry(stack(), { secretSeed: 'seed' }).credentialsFor('Writer');
    const second = createIdentityRegistry(stack(), { secretSeed: 'seed' }).credentialsFor('Writer');

    expect(first).toEqual(second);
    expect(first.accessKeyId).toMatch(/^LOCAL[0-9A-F]{16}$/);
    expect(first.secretAccessKey).toHaveLength(40);
  });

  it('derives different secrets for different seeds', () => {
    const first = createIdentityRegistry(stack(), { secretSeed: 'a' }).credentialsFor('Writer');
    const second = createIdentityRegistry(stack(), { secretSeed: 'b' }).credentialsFor('Writer');

    expect(first.secretAccessKey).not.toBe(second.secretAccessKey);
  });

  it('identifies a function key with its role statements from inline, attached and managed policies', () => {
    const registry = createIdentityRegistry(stack(), { secretSeed: 'seed' });
    const { accessKeyId } = registry.credentialsFor('arn:aws:lambda:us-east-1:000000000000:function:Writer');

    const caller = registry.identify(accessKeyId);

    expect(caller).toMatchObject({ kind: 'function', functionName: 'Writer' });
    expect(caller?.kind === 'function' && caller.statements.map((statement) => statement.Action)).toEqual([
      'sqs:SendMessage',
      ['dynamodb:PutItem'],
      'dynamodb:DeleteItem',
    ]);
  });

  it('returns undefined for a key that is not a function key', () => {
    const registry = createIdentityRegistry(stack(), { secretSeed: 'seed' });

    const caller = registry.identify('AKIAEXAMPLE');

    expect(caller).toBeUndefined();
  });

  it('finds a function by a qualified ARN', () => {
    const registry = createIdentityRegistry(stack(), { secretSeed: 'seed' });

    const found = registry.findFunction('arn:aws:lambda:us-east-1:000000000000:function:Writer:live');

    expect(found?.logicalId).toBe('Writer');
  });
});
