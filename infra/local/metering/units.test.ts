import { describe, expect, it } from 'vitest';
import {
  billedDurationMs,
  chunks,
  EVENTS_CHUNK_BYTES,
  gbSeconds,
  HTTP_API_CHUNK_BYTES,
  SQS_CHUNK_BYTES,
} from './units.ts';

const KB = 1024;

describe('chunks', () => {
  it.each([
    ['an empty payload', 0, 1],
    ['one byte', 1, 1],
    ['exactly 64 KB', 64 * KB, 1],
    ['one byte over 64 KB', 64 * KB + 1, 2],
    ['70 KB', 70 * KB, 2],
    ['256 KB', 256 * KB, 4],
  ])('counts %s as %i SQS request(s)', (_name, bytes, expected) => {
    // Act
    const requests = chunks(bytes, SQS_CHUNK_BYTES);
    // Assess
    expect(requests).toBe(expected);
  });

  it('counts a 70 KB PutEvents entry as 2 events, as SQS counts a 70 KB message as 2 requests', () => {
    // Act
    const events = chunks(70 * KB, EVENTS_CHUNK_BYTES);
    // Assess
    expect(events).toBe(2);
  });

  it('meters an HTTP API request of 513 KB as two requests', () => {
    // Act
    const requests = chunks(513 * KB, HTTP_API_CHUNK_BYTES);
    // Assess
    expect(requests).toBe(2);
  });
});

describe('billedDurationMs', () => {
  it.each([
    [1.0001, 0, 2],
    [12.3, 0, 13],
    [40, 0, 40],
    [0.2, 0, 1],
    [0, 0, 1],
    [10.4, 250.3, 261],
  ])('bills %f ms with an init phase of %f ms as %i ms', (duration, init, expected) => {
    // Act
    const billed = billedDurationMs(duration, init);
    // Assess
    expect(billed).toBe(expected);
  });
});

describe('gbSeconds', () => {
  it('is the billed seconds times the memory in GB of 1024 MB', () => {
    // Act
    const compute = gbSeconds(1000, 512);
    // Assess
    expect(compute).toBe(0.5);
  });

  it('prices an invocation of 1.0001 ms at 128 MB as 2 ms of an eighth of a GB', () => {
    // Act
    const compute = gbSeconds(billedDurationMs(1.0001), 128);
    // Assess
    expect(compute).toBe(0.00025);
  });
});
