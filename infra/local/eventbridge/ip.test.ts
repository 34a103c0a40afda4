// IPv4 and IPv6 address parsing.
import { describe, expect, it } from 'vitest';
import { parseIp } from './ip.ts';

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
