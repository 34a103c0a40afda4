// Injected errors and latency (the abort fault has abort-fault.test.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { buildStack, startHost, stopHost } from './host-test-support.ts';

afterEach(stopHost);

describe('createLambdaHost: fault injection', () => {
  it('fails every invocation with InjectedFault at error rate 1 and logs it', async () => {
    const { host, log } = startHost(
      buildStack([{ logicalId: 'Counter', name: 'counter-fn', code: 'counter' }]),
    );
    host.setFaults([{ function: 'counter', errorRate: 1 }]);

    const injected = await host.invoke('counter-fn', {});
    host.setFaults([]);
    const next = await host.invoke('counter-fn', {});

    expect(injected).toMatchObject({ ok: false, errorType: 'InjectedFault' });
    expect(next).toMatchObject({ ok: true, payload: { invocations: 1 } });
    expect(log.warn).toHaveBeenCalledWith(
      'fault injected: error',
      expect.objectContaining({ function: 'counter-fn' }),
    );
  });

  it('adds the configured latency before the invocation and logs it', async () => {
    const { host, log } = startHost(buildStack([{ logicalId: 'Counter', code: 'counter' }]));
    host.setFaults([{ function: 'Counter', latencyMs: 300 }]);
    const startedAt = Date.now();

    const result = await host.invoke('Counter', {});

    expect(result.ok).toBe(true);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(300);
    expect(log.warn).toHaveBeenCalledWith(
      'fault injected: latency',
      expect.objectContaining({ latencyMs: 300 }),
    );
    expect(host.getFaults()).toEqual([{ function: 'Counter', latencyMs: 300 }]);
  });

  it('leaves functions that match no fault alone', async () => {
    const { host } = startHost(buildStack([{ logicalId: 'Counter', code: 'counter' }]));
    host.setFaults([{ function: 'other', errorRate: 1 }]);

    const result = await host.invoke('Counter', {});

    expect(result.ok).toBe(true);
  });
});
