import { describe, expect, it } from 'vitest';
import { UsageError } from '../../infra/local/cli/cli-support.ts';
import { parseLoadArgs } from './args.ts';

describe('parseLoadArgs', () => {
  it('reads rate and duration and fills the defaults', () => {
    expect(parseLoadArgs(['--rate', '5', '--duration', '30'])).toEqual({
      rate: 5,
      durationSeconds: 30,
      url: undefined,
      token: undefined,
      account: 'acct-demo',
      follow: 50,
      waitSeconds: 180,
      timeoutSeconds: 30,
      cost: false,
      reset: false,
      metersFile: undefined,
      edge: undefined,
      state: undefined,
    });
  });

  it('takes a deployment, a token and the metering options', () => {
    const args = parseLoadArgs([
      '--rate=0.5',
      '--duration=10',
      '--url',
      'https://api.example.com/',
      '--token',
      'abc',
      '--edge',
      'http://127.0.0.1:4566',
      '--cost',
      '--reset',
      '--meters',
      'out.json',
      '--follow',
      '0',
    ]);
    expect(args).toMatchObject({
      rate: 0.5,
      durationSeconds: 10,
      url: 'https://api.example.com',
      token: 'abc',
      edge: 'http://127.0.0.1:4566',
      cost: true,
      reset: true,
      metersFile: 'out.json',
      follow: 0,
    });
  });

  it('answers help', () => {
    expect(parseLoadArgs(['--help'])).toBe('help');
    expect(parseLoadArgs(['-h', '--rate', 'x'])).toBe('help');
  });

  it.each([
    [[], '--rate is required'],
    [['--rate', '5'], '--duration is required'],
    [['--rate', 'fast', '--duration', '30'], '--rate must be a positive number, got "fast"'],
    [['--rate=-1', '--duration', '30'], '--rate must be a positive number, got "-1"'],
    [['--rate', '0', '--duration', '30'], '--rate must be a positive number, got "0"'],
    [['--rate', '5', '--duration', ''], '--duration must be a positive number, got ""'],
    [['--rate', '0.1', '--duration', '5'], '--rate 0.1 for --duration 5 s sends no request'],
    [
      ['--rate', '5', '--duration', '30', '--follow', '2.5'],
      '--follow must be a whole number >= 0, got "2.5"',
    ],
    [['--rate', '5', '--duration', '30', '--url', 'ftp://x'], '--url must be an http(s) URL, got "ftp://x"'],
    [['--rate', '5', '--duration', '30', '--url', 'nowhere'], '--url must be an http(s) URL, got "nowhere"'],
    [['--rate', '5', '--duration', '30', '--token', ' '], '--token is empty'],
    [['--rate', '5', '--duration', '30', 'extra'], 'unexpected argument "extra"'],
    [
      ['--rate', '5', '--duration', '30', '--url', 'https://a.example', '--cost'],
      'with --url, also give --edge',
    ],
  ])('refuses %j with a clear message', (argv, message) => {
    expect(() => parseLoadArgs(argv)).toThrow(UsageError);
    expect(() => parseLoadArgs(argv)).toThrow(message);
  });

  it('refuses unknown options and options without a value', () => {
    expect(() => parseLoadArgs(['--rate', '5', '--duration', '30', '--speed', '3'])).toThrow(/--speed/);
    expect(() => parseLoadArgs(['--rate', '5', '--duration'])).toThrow(/--duration/);
    // A negative value after a space reads like an option: the parser names the option it belongs to.
    expect(() => parseLoadArgs(['--rate', '-1', '--duration', '30'])).toThrow(/--rate/);
  });
});
