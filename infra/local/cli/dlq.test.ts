import { describe, expect, it } from 'vitest';
import { DLQ_USAGE, formatDlqList, parseDlqArgs, runDlqCli } from './dlq.ts';
import { testIo } from './test-support.ts';

describe('parseDlqArgs', () => {
  it('reads show with a limit', () => {
    expect(parseDlqArgs(['show', 'orders-dlq', '--limit', '5']).command).toEqual({
      kind: 'show',
      queue: 'orders-dlq',
      limit: 5,
    });
  });

  it('reads redrive with a destination', () => {
    expect(parseDlqArgs(['redrive', 'dlq', '--to', 'orders']).command).toEqual({
      kind: 'redrive',
      queue: 'dlq',
      to: 'orders',
    });
  });

  it('refuses show without a queue', () => {
    expect(() => parseDlqArgs(['show'])).toThrow('show needs a queue');
  });
});

describe('runDlqCli', () => {
  it('prints the usage on --help', async () => {
    const { io, stdout } = testIo();

    expect(await runDlqCli(['--help'], io)).toBe(0);
    expect(stdout()).toBe(DLQ_USAGE);
  });

  it('exits 2 with one line for a limit that is not a number', async () => {
    const { io, stderr } = testIo();

    expect(await runDlqCli(['show', 'q', '--limit', 'many'], io)).toBe(2);
    expect(stderr()).toBe('dlq: --limit must be a positive number, got "many" (see --help)\n');
  });

  it('redrives through the admin API with the queue in the path', async () => {
    const { io, calls, stdout } = testIo(() => ({
      body: { queue: 'orders-dlq', destination: 'orders', moved: 3 },
    }));

    const code = await runDlqCli(['redrive', 'orders-dlq'], io);

    expect(code).toBe(0);
    expect(calls[0]).toMatchObject({
      method: 'POST',
      url: 'http://127.0.0.1:9/_local/dlqs/orders-dlq/redrive',
    });
    expect(stdout()).toBe('moved 3 messages from orders-dlq to orders\n');
  });
});

describe('formatDlqList', () => {
  it('prints the depth, the name and what the queue collects', () => {
    const text = formatDlqList([
      {
        name: 'orders-dlq',
        arn: 'a',
        url: 'u',
        depth: 2,
        inFlight: 0,
        sources: [{ kind: 'queue', queueName: 'orders', queueArn: 'q', maxReceiveCount: 5 }],
      },
    ]);

    expect(text).toBe('depth  queue\n    2  orders-dlq  redrive of orders after 5 receives\n');
  });
});
