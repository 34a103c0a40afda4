import { describe, expect, it } from 'vitest';
import { FAULTS_USAGE, formatFaults, parseFaultsArgs, runFaultsCli } from './faults.ts';
import { testIo } from './test-support.ts';

const state = { functions: [{ function: 'Consumer', errorRate: 1 }], sqsDuplicateRate: 0 };

describe('parseFaultsArgs', () => {
  it('builds a fault from add options', () => {
    expect(
      parseFaultsArgs(['add', '--function', 'X', '--error-rate', '1', '--latency-ms', '500']).command,
    ).toEqual({
      kind: 'add',
      fault: { function: 'X', errorRate: 1, latencyMs: 500 },
    });
  });

  it('refuses an error rate above 1', () => {
    expect(() => parseFaultsArgs(['add', '--function', 'X', '--error-rate', '3'])).toThrow(/errorRate/);
  });

  it('refuses set with text that is not JSON', () => {
    expect(() => parseFaultsArgs(['set', '[{'])).toThrow(/^set: not JSON/);
  });

  it('refuses an unknown command', () => {
    expect(() => parseFaultsArgs(['break'])).toThrow('unknown command "break"');
  });
});

describe('runFaultsCli', () => {
  it('prints the usage on --help', async () => {
    const { io, stdout } = testIo();

    expect(await runFaultsCli(['--help'], io)).toBe(0);
    expect(stdout()).toBe(FAULTS_USAGE);
  });

  it('exits 2 with one line when add lacks --function', async () => {
    const { io, stderr } = testIo();

    expect(await runFaultsCli(['add', '--error-rate', '1'], io)).toBe(2);
    expect(stderr()).toBe('faults: add needs --function (see --help)\n');
  });

  it('replaces the faults with set', async () => {
    const { io, calls } = testIo(() => ({ body: state }));

    const code = await runFaultsCli(['set', '[{"function": "Consumer", "errorRate": 1}]'], io);

    expect(code).toBe(0);
    expect(calls).toEqual([
      {
        method: 'PUT',
        url: 'http://127.0.0.1:9/_local/faults',
        body: [{ function: 'Consumer', errorRate: 1 }],
      },
    ]);
  });

  it('clears with DELETE', async () => {
    const { io, calls } = testIo(() => ({ body: { functions: [], sqsDuplicateRate: 0 } }));

    await runFaultsCli(['clear'], io);

    expect(calls[0]?.method).toBe('DELETE');
  });

  it('sets the SQS duplicate rate', async () => {
    const { io, calls } = testIo(() => ({ body: { functions: [], sqsDuplicateRate: 0.2 } }));

    await runFaultsCli(['duplicates', '0.2'], io);

    expect(calls[0]?.body).toEqual({ sqsDuplicateRate: 0.2 });
  });

  it('prints the refusal of the local cloud in one line', async () => {
    const { io, stderr } = testIo(() => ({ status: 400, body: { error: 'no function matches "Typo"' } }));

    const code = await runFaultsCli(['add', '--function', 'Typo', '--error-rate', '1'], io);

    expect(code).toBe(1);
    expect(stderr()).toBe('faults: no function matches "Typo"\n');
  });
});

describe('formatFaults', () => {
  it('prints one line per fault and the duplicate rate', () => {
    expect(
      formatFaults({ functions: [{ function: 'X', errorRate: 0.5, latencyMs: 100 }], sqsDuplicateRate: 0 }),
    ).toBe('function X: error rate 0.5, latency 100 ms\nSQS duplicate-delivery rate: 0\n');
  });
});
