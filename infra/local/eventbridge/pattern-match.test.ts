// Matching: exact values, arrays in the event, `$or`, alternatives in one field, and robustness.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { compilePattern, matchesPattern } from './pattern.ts';
import { cases } from './test-support/pattern-event.ts';

describe('exact values', () => {
  cases([
    ['a string matches the same string', { source: ['aws.ec2'] }, true],
    ['a string does not match another string', { source: ['aws.s3'] }, false],
    ['matching is case-sensitive', { source: ['AWS.EC2'] }, false],
    ['any alternative of the array may match', { source: ['aws.s3', 'aws.ec2'] }, true],
    ['a number matches the same number', { detail: { 'c-count': [5] } }, true],
    ['a number matches the same number written differently', { detail: { 'x-limit': [3.018e2] } }, true],
    ['a number does not match its string form', { detail: { 'c-count': ['5'] } }, false],
    ['a string does not match a number of the same text', { detail: { state: [5] } }, false],
    ['true matches the boolean true', { detail: { flag: [true] } }, true],
    ['the string "true" does not match the boolean', { detail: { flag: ['true'] } }, false],
    ['null matches a null value', { detail: { nothing: [null] } }, true],
    ['null does not match a missing field', { detail: { missing: [null] } }, false],
    ['null does not match an empty string', { detail: { empty: [null] } }, false],
    ['an empty string matches an empty string', { detail: { empty: [''] } }, true],
    ['an empty string does not match null', { detail: { nothing: [''] } }, false],
    ['an empty pattern array matches nothing', { source: [] }, false],
    ['a missing field never matches a value', { detail: { missing: ['x'] } }, false],
    ['a value does not match an object field', { detail: { nested: ['x'] } }, false],
    ['all fields must match (and)', { source: ['aws.ec2'], detail: { state: ['stopped'] } }, false],
    ['fields at several levels all match', { source: ['aws.ec2'], detail: { state: ['running'] } }, true],
    ['deeply nested objects match', { detail: { nested: { deeper: { value: ['x'] } } } }, true],
    ['a nested pattern does not match a scalar field', { detail: { state: { value: ['x'] } } }, false],
  ]);
});

describe('arrays in the event', () => {
  cases([
    ['a value matches when any array element equals it', { resources: ['arn:aws:s3:::bucket'] }, true],
    ['no element equal means no match', { resources: ['arn:aws:s3:::other'] }, false],
    ['intersection of pattern and event arrays is enough', { detail: { tags: ['blue', 'green'] } }, true],
    ['numbers in arrays match numerically', { detail: { numbers: [{ numeric: ['>', 2] }] } }, true],
    [
      'objects inside arrays are matched element by element',
      { detail: { employees: { firstName: ['Anna'] } } },
      true,
    ],
    [
      'two fields from different array elements do not match together',
      { detail: { employees: { firstName: ['Anna'], lastName: ['Doe'] } } },
      false,
    ],
    [
      'two fields from the same array element match together',
      { detail: { employees: { firstName: ['Anna'], lastName: ['Smith'] } } },
      true,
    ],
    ['nested arrays are crushed', { detail: { matrix: { id: [3] } } }, true],
    ['an empty event array matches no value', { detail: { emptyList: ['x'] } }, false],
  ]);
});
describe('$or', () => {
  cases([
    [
      'matches when the first alternative matches',
      { $or: [{ source: ['aws.ec2'] }, { region: ['x'] }] },
      true,
    ],
    [
      'matches when the second alternative matches',
      { $or: [{ source: ['x'] }, { region: ['us-west-1'] }] },
      true,
    ],
    ['does not match when no alternative does', { $or: [{ source: ['x'] }, { region: ['y'] }] }, false],
    [
      'combines with other fields (and)',
      { source: ['aws.s3'], $or: [{ region: ['us-west-1'] }, { account: ['111122223333'] }] },
      false,
    ],
    [
      'alternatives may hold several fields (and inside or)',
      { $or: [{ source: ['aws.ec2'], region: ['eu-west-1'] }, { detail: { state: ['running'] } }] },
      true,
    ],
    [
      'works inside nested objects',
      { detail: { $or: [{ state: ['stopped'] }, { 'c-count': [{ numeric: ['>', 1] }] }] } },
      true,
    ],
    [
      'nested $or inside an alternative',
      {
        $or: [
          { source: ['x'] },
          { region: ['us-west-1'], $or: [{ account: ['1'] }, { detail: { flag: [true] } }] },
        ],
      },
      true,
    ],
    [
      'two $or at different levels must both match',
      {
        $or: [{ source: ['aws.ec2'] }, { region: ['x'] }],
        detail: { $or: [{ state: ['x'] }, { flag: [false] }] },
      },
      false,
    ],
  ]);
});

describe('operators combined in one field', () => {
  cases([
    ['prefix or exact value', { source: [{ prefix: 'zzz' }, 'aws.ec2'] }, true],
    ['prefix or suffix', { detail: { FileName: [{ prefix: 'x' }, { suffix: 'PNG' }] } }, true],
    [
      'numeric or anything-but',
      { detail: { 'c-count': [{ numeric: ['>', 10] }, { 'anything-but': 5 }] } },
      false,
    ],
    [
      'numeric ranges as alternatives',
      { detail: { 'c-count': [{ numeric: ['<', 0] }, { numeric: ['>', 4] }] } },
      true,
    ],
    [
      'cidr or exists:false',
      { detail: { 'source-ip': [{ cidr: '192.168.0.0/16' }, { exists: false }] } },
      false,
    ],
    [
      'every operator in one pattern',
      {
        time: [{ prefix: '2017-10-02' }],
        source: [{ suffix: '.ec2' }],
        region: [{ 'equals-ignore-case': 'US-WEST-1' }],
        account: [{ wildcard: '1111*' }],
        detail: {
          state: [{ 'anything-but': 'initializing' }],
          'c-count': [{ numeric: ['>', 0, '<=', 5] }],
          'source-ip': [{ cidr: '10.0.0.0/8' }],
          missing: [{ exists: false }],
          flag: [true],
        },
      },
      true,
    ],
  ]);
});

describe('robustness', () => {
  const allOperatorsPattern = compilePattern({
    source: [{ prefix: 'a' }, { suffix: 'b' }, { 'equals-ignore-case': 'c' }, { wildcard: '*d*' }],
    detail: {
      a: [
        { 'anything-but': ['x'] },
        { numeric: ['>', 0, '<', 10] },
        { exists: false },
        { cidr: '10.0.0.0/8' },
      ],
      b: { c: [null, true, 1, 'x'] },
      $or: [{ d: [{ exists: true }] }, { e: [{ 'anything-but': { wildcard: 'x*' } }] }],
    },
  });

  it('never throws while matching arbitrary JSON events', () => {
    // Prepare, act, assess
    fc.assert(
      fc.property(fc.jsonValue(), (json) => {
        const wrapped = { source: 'abc', detail: json };
        return (
          typeof matchesPattern(allOperatorsPattern, json) === 'boolean' &&
          typeof matchesPattern(allOperatorsPattern, wrapped) === 'boolean'
        );
      }),
      { numRuns: 500 },
    );
  });
});
