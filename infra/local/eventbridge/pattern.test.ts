import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compilePattern,
  InvalidEventPatternError,
  matchesPattern,
  parseIp,
  testEventPattern,
} from './pattern.ts';

// One AWS-shaped event used by most cases, so that each row only states the pattern and the outcome.
const event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-10-02T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0', 'arn:aws:s3:::bucket'],
  detail: {
    state: 'running',
    'instance-id': 'i-1234567890abcdef0',
    'c-count': 5,
    'x-limit': 301.8,
    negative: -12,
    big: 5e9,
    flag: true,
    nothing: null,
    empty: '',
    'source-ip': '10.0.0.33',
    'source-ipv6': '2001:db8::ff00:42:8329',
    FileName: 'photo.PNG',
    path: '/usr/lib/node',
    star: 'a*b',
    tags: ['red', 'green'],
    numbers: [1, 2, 3],
    nested: { deeper: { value: 'x' } },
    emptyList: [],
    employees: [
      { firstName: 'John', lastName: 'Doe' },
      { firstName: 'Anna', lastName: 'Smith' },
    ],
    matrix: [[{ id: 1 }, { id: 2 }], [{ id: 3 }]],
  },
};

type Row = [name: string, pattern: Record<string, unknown>, expected: boolean];

function cases(rows: Row[]): void {
  it.each(rows)('%s', (_name, pattern, expected) => {
    // Prepare
    const compiled = compilePattern(pattern);
    // Act
    const matched = matchesPattern(compiled, event);
    // Assess
    expect(matched).toBe(expected);
  });
}

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

describe('prefix', () => {
  cases([
    ['matches a string starting with the prefix', { time: [{ prefix: '2017-10-02' }] }, true],
    ['does not match another start', { time: [{ prefix: '2018' }] }, false],
    ['is case-sensitive', { source: [{ prefix: 'AWS.' }] }, false],
    ['only applies to strings', { detail: { 'c-count': [{ prefix: '5' }] } }, false],
    ['applies to string array elements', { resources: [{ prefix: 'arn:aws:s3' }] }, true],
    ['an empty prefix matches any string', { source: [{ prefix: '' }] }, true],
    [
      'equals-ignore-case prefix ignores case',
      { source: [{ prefix: { 'equals-ignore-case': 'AWS.E' } }] },
      true,
    ],
    [
      'equals-ignore-case prefix still needs the prefix',
      { source: [{ prefix: { 'equals-ignore-case': 'X' } }] },
      false,
    ],
  ]);
});

describe('suffix', () => {
  cases([
    ['matches a string ending with the suffix', { source: [{ suffix: 'ec2' }] }, true],
    ['does not match another end', { source: [{ suffix: 's3' }] }, false],
    ['is case-sensitive', { detail: { FileName: [{ suffix: '.png' }] } }, false],
    ['only applies to strings', { detail: { 'c-count': [{ suffix: '5' }] } }, false],
    [
      'equals-ignore-case suffix ignores case',
      { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
      true,
    ],
  ]);
});

describe('equals-ignore-case', () => {
  cases([
    ['matches whatever the case', { source: [{ 'equals-ignore-case': 'AWS.EC2' }] }, true],
    ['still needs the same letters', { source: [{ 'equals-ignore-case': 'AWS.EC' }] }, false],
    ['only applies to strings', { detail: { flag: [{ 'equals-ignore-case': 'TRUE' }] } }, false],
  ]);
});

describe('wildcard', () => {
  cases([
    ['* matches any characters', { source: [{ wildcard: 'aws.*' }] }, true],
    ['* matches nothing too', { source: [{ wildcard: 'aws.ec2*' }] }, true],
    ['several * in one value', { detail: { path: [{ wildcard: '*/lib/*' }] } }, true],
    ['the rest must match exactly', { source: [{ wildcard: 'aws.*3' }] }, false],
    ['without * it is an exact match', { source: [{ wildcard: 'aws.ec2' }] }, true],
    ['an escaped \\* matches a literal star', { detail: { star: [{ wildcard: 'a\\*b' }] } }, true],
    ['an escaped \\* does not match other characters', { detail: { state: [{ wildcard: 'r\\*' }] } }, false],
    ['regular-expression characters are literal', { source: [{ wildcard: 'aws?ec2' }] }, false],
    ['only applies to strings', { detail: { 'c-count': [{ wildcard: '*' }] } }, false],
  ]);
});

describe('anything-but', () => {
  cases([
    ['a string: matches other strings', { detail: { state: [{ 'anything-but': 'stopped' }] } }, true],
    ['a string: does not match that string', { detail: { state: [{ 'anything-but': 'running' }] } }, false],
    ['a number: matches other numbers', { detail: { 'c-count': [{ 'anything-but': 6 }] } }, true],
    ['a number: does not match that number', { detail: { 'c-count': [{ 'anything-but': 5 }] } }, false],
    ['a list of strings', { detail: { state: [{ 'anything-but': ['stopped', 'running'] }] } }, false],
    [
      'a list of strings without the value',
      { detail: { state: [{ 'anything-but': ['stopped', 'pending'] }] } },
      true,
    ],
    ['a list of numbers', { detail: { 'c-count': [{ 'anything-but': [100, 200, 5] }] } }, false],
    ['does not match a missing field', { detail: { missing: [{ 'anything-but': 'x' }] } }, false],
    ['matches an event array with another element', { detail: { tags: [{ 'anything-but': 'red' }] } }, true],
    ['prefix: matches other starts', { region: [{ 'anything-but': { prefix: 'eu-' } }] }, true],
    ['prefix: does not match the prefix', { region: [{ 'anything-but': { prefix: 'us-' } }] }, false],
    ['suffix: matches other ends', { detail: { FileName: [{ 'anything-but': { suffix: '.png' } }] } }, true],
    [
      'suffix: does not match the suffix',
      { detail: { FileName: [{ 'anything-but': { suffix: '.PNG' } }] } },
      false,
    ],
    [
      'equals-ignore-case: excludes any case',
      { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'RUNNING' } }] } },
      false,
    ],
    [
      'equals-ignore-case list: matches others',
      { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['STOPPED', 'PENDING'] } }] } },
      true,
    ],
    [
      'wildcard: excludes matching values',
      { detail: { path: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
      false,
    ],
    [
      'wildcard: keeps other values',
      { detail: { path: [{ 'anything-but': { wildcard: '*/bin/*' } }] } },
      true,
    ],
  ]);
});

describe('numeric', () => {
  cases([
    ['> below the value', { detail: { 'c-count': [{ numeric: ['>', 4] }] } }, true],
    ['> at the value', { detail: { 'c-count': [{ numeric: ['>', 5] }] } }, false],
    ['>= at the value', { detail: { 'c-count': [{ numeric: ['>=', 5] }] } }, true],
    ['< above the value', { detail: { 'c-count': [{ numeric: ['<', 6] }] } }, true],
    ['< at the value', { detail: { 'c-count': [{ numeric: ['<', 5] }] } }, false],
    ['<= at the value', { detail: { 'c-count': [{ numeric: ['<=', 5] }] } }, true],
    ['= the value', { detail: { 'x-limit': [{ numeric: ['=', 301.8] }] } }, true],
    ['= another value', { detail: { 'x-limit': [{ numeric: ['=', 301.7] }] } }, false],
    ['a range containing the value', { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } }, true],
    ['a range excluding the value', { detail: { 'c-count': [{ numeric: ['>', 5, '<=', 10] }] } }, false],
    [
      'a range with the upper bound first',
      { detail: { 'c-count': [{ numeric: ['<', 10, '>=', 5] }] } },
      true,
    ],
    ['negative numbers compare as numbers', { detail: { negative: [{ numeric: ['<', -11.5] }] } }, true],
    ['the documented limit is inclusive', { detail: { big: [{ numeric: ['>=', 5e9] }] } }, true],
    ['only JSON numbers match, not numeric strings', { detail: { state: [{ numeric: ['>', 0] }] } }, false],
    ['a missing field does not match', { detail: { missing: [{ numeric: ['>', 0] }] } }, false],
  ]);
});

describe('exists', () => {
  cases([
    ['exists:true matches a present leaf', { detail: { state: [{ exists: true }] } }, true],
    ['exists:true matches a null leaf', { detail: { nothing: [{ exists: true }] } }, true],
    ['exists:true does not match a missing field', { detail: { missing: [{ exists: true }] } }, false],
    ['exists:true does not match an object (not a leaf)', { detail: { nested: [{ exists: true }] } }, false],
    ['exists:true does not match an empty array', { detail: { emptyList: [{ exists: true }] } }, false],
    ['exists:false matches a missing field', { detail: { missing: [{ exists: false }] } }, true],
    ['exists:false does not match a present leaf', { detail: { state: [{ exists: false }] } }, false],
    ['exists:false matches an object field (not a leaf)', { detail: { nested: [{ exists: false }] } }, true],
    ['exists:false below a missing parent matches', { missingParent: { child: [{ exists: false }] } }, true],
    [
      'exists:true below a missing parent does not match',
      { missingParent: { child: [{ exists: true }] } },
      false,
    ],
    ['exists:false or a value', { detail: { state: [{ exists: false }, 'running'] } }, true],
  ]);
});

describe('cidr', () => {
  cases([
    ['an IPv4 address inside the block', { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, true],
    ['an IPv4 address outside the block', { detail: { 'source-ip': [{ cidr: '10.0.1.0/24' }] } }, false],
    ['a /8 block', { detail: { 'source-ip': [{ cidr: '10.0.0.0/8' }] } }, true],
    ['a /32 block is one address', { detail: { 'source-ip': [{ cidr: '10.0.0.33/32' }] } }, true],
    ['a /0 block contains every IPv4 address', { detail: { 'source-ip': [{ cidr: '0.0.0.0/0' }] } }, true],
    ['an IPv6 address inside the block', { detail: { 'source-ipv6': [{ cidr: '2001:db8::/32' }] } }, true],
    ['an IPv6 address outside the block', { detail: { 'source-ipv6': [{ cidr: '2001:db9::/32' }] } }, false],
    ['IPv4 does not match an IPv6 block', { detail: { 'source-ip': [{ cidr: '::/0' }] } }, false],
    ['a string that is not an address does not match', { detail: { state: [{ cidr: '0.0.0.0/0' }] } }, false],
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

describe('pattern validation', () => {
  const invalid: [string, unknown][] = [
    ['a pattern that is not JSON', '{"source": '],
    ['a pattern that is not an object', '["a"]'],
    ['an empty pattern', {}],
    ['a leaf that is a scalar', { source: 'aws.ec2' }],
    ['an empty nested object', { detail: {} }],
    ['an array inside a value array', { source: [['a']] }],
    ['an unknown operator', { source: [{ contains: 'x' }] }],
    ['two operators in one object', { source: [{ prefix: 'a', suffix: 'b' }] }],
    ['a prefix that is not a string', { source: [{ prefix: 1 }] }],
    ['an unsupported operator inside prefix', { source: [{ prefix: { wildcard: 'a*' } }] }],
    ['equals-ignore-case that is not a string', { source: [{ 'equals-ignore-case': 1 }] }],
    ['consecutive wildcards', { source: [{ wildcard: 'a**b' }] }],
    ['an escape before another character', { source: [{ wildcard: 'a\\b' }] }],
    ['anything-but with a boolean', { source: [{ 'anything-but': true }] }],
    ['anything-but with null', { source: [{ 'anything-but': null }] }],
    ['anything-but with mixed types', { source: [{ 'anything-but': ['a', 1] }] }],
    ['anything-but with an empty prefix', { source: [{ 'anything-but': { prefix: '' } }] }],
    ['anything-but with an unknown operator', { source: [{ 'anything-but': { numeric: ['>', 1] } }] }],
    ['numeric that is not an array', { detail: { n: [{ numeric: 5 }] } }],
    ['numeric with an odd member count', { detail: { n: [{ numeric: ['>', 1, '<'] }] } }],
    ['numeric with an unknown operator', { detail: { n: [{ numeric: ['!=', 1] }] } }],
    ['numeric with a string bound', { detail: { n: [{ numeric: ['>', '1'] }] } }],
    ['numeric with two lower bounds', { detail: { n: [{ numeric: ['>', 1, '>=', 2] }] } }],
    ['numeric with bottom above top', { detail: { n: [{ numeric: ['>', 10, '<', 2] }] } }],
    ['numeric = combined with a bound', { detail: { n: [{ numeric: ['=', 1, '<', 2] }] } }],
    ['numeric beyond the documented range', { detail: { n: [{ numeric: ['>', 6e9] }] } }],
    ['exists that is not a boolean', { detail: { n: [{ exists: 'true' }] } }],
    ['cidr that is not an address', { detail: { ip: [{ cidr: '10.0.0/8' }] } }],
    ['cidr with a mask too long', { detail: { ip: [{ cidr: '10.0.0.0/33' }] } }],
    ['$or with one alternative (an ordinary field then)', { $or: [{ source: ['a'] }] }],
  ];
  it.each(invalid)('rejects %s', (_name, pattern) => {
    // Prepare, act, assess
    expect(() => compilePattern(pattern)).toThrow(InvalidEventPatternError);
  });

  it('words the error as AWS does', () => {
    // Prepare
    const pattern = { source: 'aws.ec2' };
    // Act
    const act = () => compilePattern(pattern);
    // Assess
    expect(act).toThrow(/^Event pattern is not valid\. Reason: /);
  });

  it('accepts a pattern given as a JSON string, as CloudFormation templates may', () => {
    // Prepare, act
    const matched = testEventPattern('{"source":["aws.ec2"],"detail":{"nothing":[null]}}', event);
    // Assess
    expect(matched).toBe(true);
  });

  it('treats "$or" holding operator names as an ordinary field, as Event Ruler does', () => {
    // Prepare
    const compiled = compilePattern({ $or: [{ prefix: 'a' }, { suffix: 'z' }] });
    // Act
    const matched = matchesPattern(compiled, { $or: 'abc' });
    // Assess
    expect(matched).toBe(true);
  });
});

describe('IP parsing', () => {
  it.each([
    ['10.0.0.1', [10, 0, 0, 1]],
    ['::1', [...new Array(15).fill(0), 1]],
    ['::ffff:10.0.0.1', [...new Array(10).fill(0), 0xff, 0xff, 10, 0, 0, 1]],
  ])('parses %s', (text, bytes) => {
    // Prepare, act, assess
    expect(parseIp(text)).toEqual(bytes);
  });

  it.each(['256.0.0.1', '1.2.3', '1::2::3', 'gggg::', '1:2:3:4:5:6:7:8:9'])('refuses %s', (text) => {
    // Prepare, act, assess
    expect(parseIp(text)).toBeUndefined();
  });
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

  it('either compiles or throws InvalidEventPatternError on arbitrary JSON patterns', () => {
    // Prepare, act, assess
    fc.assert(
      fc.property(fc.jsonValue(), (json) => {
        try {
          compilePattern(json);
          return true;
        } catch (error) {
          return error instanceof InvalidEventPatternError;
        }
      }),
      { numRuns: 500 },
    );
  });
});
