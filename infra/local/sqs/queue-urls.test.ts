// Queue URLs rewritten between the emulator's form and the local cloud's.
import { describe, expect, it } from 'vitest';
import { toEdgeUrls, toInternalQueueUrl } from './queue-urls.ts';

describe('queue URL rewriting', () => {
  it('maps a queue URL of any host to the emulator form', () => {
    expect(toInternalQueueUrl('http://127.0.0.1:4566/000000000000/jobs')).toBe(
      'http://sqs.us-east-1.localhost/000000000000/jobs',
    );
  });

  it('maps emulator URLs in an answer back to the edge form', () => {
    const answer = '{"QueueUrls":["http://sqs.us-east-1.localhost/000000000000/a"]}';

    expect(toEdgeUrls(answer, 'http://127.0.0.1:4566')).toBe(
      '{"QueueUrls":["http://127.0.0.1:4566/000000000000/a"]}',
    );
  });
});
