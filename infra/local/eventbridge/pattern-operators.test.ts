// The operators: prefix, suffix, equals-ignore-case, wildcard, anything-but, numeric, exists and cidr.
import { describe } from 'vitest';
import { cases } from './test-support/pattern-event.ts';

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
