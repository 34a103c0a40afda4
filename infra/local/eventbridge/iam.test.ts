// The IAM evaluator: wildcard patterns and Allow and Deny decisions.
import { describe, expect, it } from 'vitest';
import type { PolicyStatement } from '../model.ts';
import { iamWildcardMatch, isAllowed } from './iam.ts';

const bus = 'arn:aws:events:us-east-1:000000000000:event-bus/my-bus';

describe('iamWildcardMatch', () => {
  it.each([
    ['events:PutEvents', 'events:PutEvents', true],
    ['events:*', 'events:PutEvents', true],
    ['events:Put*', 'events:PutEvents', true],
    ['events:Put?vents', 'events:PutEvents', true],
    ['events:Put?', 'events:PutEvents', false],
    ['*', 'anything', true],
    ['arn:aws:events:*:*:event-bus/my-bus', bus, true],
    ['arn:aws:events:*:*:event-bus/other', bus, false],
    [
      'arn:aws:events:us-east-1:000000000000:event-bus/my.bus',
      'arn:aws:events:us-east-1:000000000000:event-bus/myxbus',
      false,
    ],
  ])('%s against %s is %s', (pattern, value, expected) => {
    // Prepare, act, assess
    expect(iamWildcardMatch(pattern, value)).toBe(expected);
  });
});

describe('isAllowed', () => {
  it('allows an action granted on the resource', () => {
    // Prepare
    const statements: PolicyStatement[] = [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: bus }];
    // Act, assess
    expect(isAllowed(statements, 'events:PutEvents', bus)).toBe(true);
  });

  it('compares action names without regard to case, as IAM does', () => {
    // Prepare
    const statements: PolicyStatement[] = [{ Effect: 'Allow', Action: 'EVENTS:putevents', Resource: '*' }];
    // Act, assess
    expect(isAllowed(statements, 'events:PutEvents', bus)).toBe(true);
  });

  it('denies implicitly when no statement grants the action', () => {
    // Prepare
    const statements: PolicyStatement[] = [{ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: '*' }];
    // Act, assess
    expect(isAllowed(statements, 'events:PutEvents', bus)).toBe(false);
  });

  it('denies when the grant is on another resource', () => {
    // Prepare
    const statements: PolicyStatement[] = [
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: `${bus}-other` },
    ];
    // Act, assess
    expect(isAllowed(statements, 'events:PutEvents', bus)).toBe(false);
  });

  it('lets an explicit deny win over an allow', () => {
    // Prepare
    const statements: PolicyStatement[] = [
      { Effect: 'Allow', Action: 'events:*', Resource: '*' },
      { Effect: 'Deny', Action: 'events:PutEvents', Resource: bus },
    ];
    // Act, assess
    expect(isAllowed(statements, 'events:PutEvents', bus)).toBe(false);
  });

  it('applies NotResource as every resource but those listed', () => {
    // Prepare
    const statements: PolicyStatement[] = [{ Effect: 'Allow', Action: 'events:PutEvents', NotResource: bus }];
    // Act, assess
    expect(isAllowed(statements, 'events:PutEvents', `${bus}-other`)).toBe(true);
    expect(isAllowed(statements, 'events:PutEvents', bus)).toBe(false);
  });
});
