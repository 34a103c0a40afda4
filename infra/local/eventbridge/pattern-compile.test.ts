// Pattern validation: what AWS refuses, its wording, and JSON text patterns.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePattern, InvalidEventPatternError, matchesPattern, testEventPattern } from './pattern.ts';
import { event } from './test-support/pattern-event.ts';

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

describe('robustness', () => {
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
