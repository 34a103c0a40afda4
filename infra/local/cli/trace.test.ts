import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testIo } from './test-support.ts';
import { runTraceCli } from './trace.ts';

describe('runTraceCli', () => {
  it('exits 2 without --key when the application gave no default', async () => {
    const { io, stderr } = testIo();

    expect(await runTraceCli(['d-1'], io)).toBe(2);
    expect(stderr()).toBe('trace: --key is required (see --help)\n');
  });

  it('mentions the value name the application gave in its usage', async () => {
    const { io, stdout } = testIo();

    await runTraceCli(['--help'], io, { key: 'correlation_id', valueName: 'orderId' });

    expect(stdout()).toContain('Usage: npm run trace -- <orderId> [options]');
  });

  it('prints the hops the admin API found', async () => {
    const { io, stdout, calls } = testIo(() => ({
      body: {
        value: 'd-1',
        key: 'correlation_id',
        correlationIds: ['c-1'],
        hops: [
          {
            time: '2026-01-01T10:00:00.000Z',
            source: 'api',
            message: 'accepted',
            fields: { orderId: 'd-1' },
          },
        ],
      },
    }));

    const code = await runTraceCli(['d-1'], io, { key: 'correlation_id' });

    expect(code).toBe(0);
    expect(calls[0]?.url).toBe('http://127.0.0.1:9/_local/trace?value=d-1&key=correlation_id');
    expect(stdout()).toBe(
      'trace of d-1: correlation_id c-1 (1 hops)\n2026-01-01T10:00:00.000Z  api  accepted  orderId=d-1\n',
    );
  });

  it('traces from the log files when the local cloud is not running', async () => {
    const { io, stateDir, stdout } = testIo('unreachable');
    mkdirSync(join(stateDir, 'logs'));
    writeFileSync(
      join(stateDir, 'logs', 'api.log'),
      `${JSON.stringify({ level: 'INFO', message: 'accepted', timestamp: '2026-01-01T10:00:00.000Z', correlation_id: 'c-1', orderId: 'd-1' })}\n`,
    );

    const code = await runTraceCli(['d-1', '--key', 'correlation_id'], io);

    expect(code).toBe(0);
    expect(stdout()).toContain('api  accepted');
  });

  it('exits 1 when no log line mentions the value', async () => {
    const { io, stderr } = testIo('unreachable');

    expect(await runTraceCli(['d-404', '--key', 'correlation_id'], io)).toBe(1);
    expect(stderr()).toContain('trace: no log line mentions d-404 with a correlation_id');
  });
});
