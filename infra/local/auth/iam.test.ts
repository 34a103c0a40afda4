import { describe, expect, it } from 'vitest';
import type { PolicyStatement } from '../model.ts';
import { createPolicyDecisions, isAllowed } from './iam.ts';
import { recordingLogger } from './test-support.ts';

const TABLE = 'arn:aws:dynamodb:us-east-1:000000000000:table/Orders';

describe('isAllowed', () => {
  it('allows an action granted on the exact resource', () => {
    const statements: PolicyStatement[] = [{ Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: TABLE }];

    const allowed = isAllowed(statements, 'dynamodb:PutItem', TABLE);

    expect(allowed).toBe(true);
  });

  it('denies by default when no statement matches', () => {
    const statements: PolicyStatement[] = [{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: TABLE }];

    const allowed = isAllowed(statements, 'dynamodb:PutItem', TABLE);

    expect(allowed).toBe(false);
  });

  it('lets an explicit Deny win over an Allow', () => {
    const statements: PolicyStatement[] = [
      { Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' },
      { Effect: 'Deny', Action: 'dynamodb:DeleteItem', Resource: TABLE },
    ];

    const allowed = isAllowed(statements, 'dynamodb:DeleteItem', TABLE);

    expect(allowed).toBe(false);
  });

  it('matches * and ? wildcards in resources', () => {
    const statements: PolicyStatement[] = [
      {
        Effect: 'Allow',
        Action: 'execute-api:Invoke',
        Resource: 'arn:aws:execute-api:us-east-1:000000000000:abc/*/GET/accounts/*',
      },
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:000000000000:queue-?' },
    ];

    const results = [
      isAllowed(
        statements,
        'execute-api:Invoke',
        'arn:aws:execute-api:us-east-1:000000000000:abc/$default/GET/accounts/a-1',
      ),
      isAllowed(statements, 'sqs:SendMessage', 'arn:aws:sqs:us-east-1:000000000000:queue-1'),
      isAllowed(statements, 'sqs:SendMessage', 'arn:aws:sqs:us-east-1:000000000000:queue-12'),
    ];

    expect(results).toEqual([true, true, false]);
  });

  it('compares actions case-insensitively and resources case-sensitively', () => {
    const statements: PolicyStatement[] = [{ Effect: 'Allow', Action: 'DynamoDB:putitem', Resource: TABLE }];

    const results = [
      isAllowed(statements, 'dynamodb:PutItem', TABLE),
      isAllowed(statements, 'dynamodb:PutItem', TABLE.toLowerCase()),
    ];

    expect(results).toEqual([true, false]);
  });

  it('applies a statement with NotResource to every other resource', () => {
    const statements: PolicyStatement[] = [
      { Effect: 'Allow', Action: 'dynamodb:GetItem', NotResource: TABLE },
    ];

    const results = [
      isAllowed(statements, 'dynamodb:GetItem', TABLE),
      isAllowed(statements, 'dynamodb:GetItem', 'arn:aws:dynamodb:us-east-1:000000000000:table/Other'),
    ];

    expect(results).toEqual([false, true]);
  });

  it('treats a statement with a Condition as not matching and warns once', () => {
    const log = recordingLogger();
    const statements: PolicyStatement[] = [
      { Effect: 'Allow', Action: '*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } },
    ];

    const first = isAllowed(statements, 'dynamodb:GetItem', TABLE, log);
    const second = isAllowed(statements, 'dynamodb:GetItem', TABLE, log);

    expect([first, second]).toEqual([false, false]);
    expect(log.lines.filter((line) => line.level === 'warn')).toHaveLength(1);
  });
});

describe('createPolicyDecisions', () => {
  it('answers as isAllowed, each statement list by its own statements', () => {
    const decide = createPolicyDecisions();
    const reader: PolicyStatement[] = [{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: TABLE }];
    const writer: PolicyStatement[] = [
      { Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' },
      { Effect: 'Deny', Action: 'dynamodb:GetItem', Resource: TABLE },
    ];

    const answers = [
      decide(reader, 'dynamodb:GetItem', TABLE),
      decide(writer, 'dynamodb:GetItem', TABLE),
      decide(reader, 'dynamodb:PutItem', TABLE),
      decide(writer, 'dynamodb:PutItem', TABLE),
      decide(reader, 'dynamodb:GetItem', TABLE),
      decide(writer, 'dynamodb:GetItem', TABLE),
    ];

    expect(answers).toEqual([true, false, false, true, true, false]);
  });

  it('warns once about a statement with a Condition, as isAllowed does', () => {
    const log = recordingLogger();
    const decide = createPolicyDecisions();
    const statements: PolicyStatement[] = [
      { Effect: 'Allow', Action: '*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } },
    ];

    const answers = [
      decide(statements, 'dynamodb:GetItem', TABLE, log),
      decide(statements, 'sqs:SendMessage', '*', log),
    ];

    expect(answers).toEqual([false, false]);
    expect(log.lines.filter((line) => line.level === 'warn')).toHaveLength(1);
  });
});
