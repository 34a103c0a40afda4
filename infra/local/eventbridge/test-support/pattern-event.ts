// One AWS-shaped event and a table runner for the pattern tests: each row states a pattern and the outcome.
import { expect, it } from 'vitest';
import { compilePattern, matchesPattern } from '../pattern.ts';

export const event = {
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

export type Row = [name: string, pattern: Record<string, unknown>, expected: boolean];

/** One test per row: the pattern compiles, and matching the event gives the expected outcome. */
export function cases(rows: Row[]): void {
  it.each(rows)('%s', (_name, pattern, expected) => {
    // Prepare
    const compiled = compilePattern(pattern);
    // Act
    const matched = matchesPattern(compiled, event);
    // Assess
    expect(matched).toBe(expected);
  });
}
