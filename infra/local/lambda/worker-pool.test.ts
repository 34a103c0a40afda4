// Execution environments: reuse, isolation, timeouts, crashes and concurrency.
import { afterEach, describe, expect, it } from 'vitest';
import { buildStack, startHost, stopHost } from './host-test-support.ts';

afterEach(stopHost);

describe('createLambdaHost: execution environments', () => {
  it('reuses a warm environment, keeping module state', async () => {
    const { host } = startHost(buildStack([{ logicalId: 'Counter', code: 'counter' }]));

    const first = await host.invoke('Counter', {});
    const second = await host.invoke('Counter', {});

    expect(first).toMatchObject({ ok: true, payload: { invocations: 1 } });
    expect(second).toMatchObject({ ok: true, payload: { invocations: 2 } });
    expect(host.functions()[0]).toMatchObject({ environments: 1, busy: 0 });
  });

  it('isolates environment variables and module state between functions', async () => {
    const { host } = startHost(
      buildStack([
        { logicalId: 'A', code: 'counter', properties: { Environment: { Variables: { MARKER: 'a' } } } },
        { logicalId: 'B', code: 'counter', properties: { Environment: { Variables: { MARKER: 'b' } } } },
      ]),
    );

    await host.invoke('A', {});
    const secondA = await host.invoke('A', {});
    const firstB = await host.invoke('B', {});

    expect(secondA).toEqual({ ok: true, payload: { invocations: 2, marker: 'a' } });
    expect(firstB).toEqual({ ok: true, payload: { invocations: 1, marker: 'b' } });
    expect(process.env.LAST_SEEN).toBeUndefined();
  });

  it('ends a function at its timeout and cold-starts the next invocation', async () => {
    const { host } = startHost(
      buildStack([{ logicalId: 'Sleep', code: 'sleep', properties: { Timeout: 1 } }]),
    );
    const startedAt = Date.now();

    const timedOut = await host.invoke('Sleep', { ms: 5000 });
    const elapsed = Date.now() - startedAt;
    const environmentsAfterTimeout = host.functions()[0]?.environments;
    const next = await host.invoke('Sleep', { ms: 1 });

    expect(timedOut).toEqual({
      ok: false,
      errorType: 'Sandbox.Timedout',
      errorMessage: 'Task timed out after 1.00 seconds',
      timedOut: true,
    });
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(3000);
    expect(environmentsAfterTimeout).toBe(0);
    expect(next.ok).toBe(true);
  });

  it('replaces an environment that crashed outside the handler', async () => {
    const { host } = startHost(buildStack([{ logicalId: 'Crash', code: 'crash' }]));

    await host.invoke('Crash', {});
    const crashed = await host.invoke('Crash', { crash: true });
    const next = await host.invoke('Crash', {});

    expect(crashed).toMatchObject({ ok: false, errorType: 'RangeError', errorMessage: 'engine failure' });
    expect(next).toEqual({ ok: true, payload: { invocations: 1 } });
  });

  it('never runs more environments at once than the reserved concurrency', async () => {
    const { host } = startHost(
      buildStack([{ logicalId: 'Sleep', code: 'sleep', properties: { ReservedConcurrentExecutions: 2 } }]),
    );

    const results = await Promise.all(Array.from({ length: 5 }, () => host.invoke('Sleep', { ms: 150 })));

    const spans = results.map((result) => (result as { payload: { start: number; end: number } }).payload);
    const maxOverlap = Math.max(
      ...spans.map(
        (span) => spans.filter((other) => other.start <= span.start && other.end > span.start).length,
      ),
    );
    expect(results.every((result) => result.ok)).toBe(true);
    expect(maxOverlap).toBeLessThanOrEqual(2);
    expect(host.functions()[0]?.environments).toBe(2);
  });

  it('throttles a function whose reserved concurrency is 0', async () => {
    const { host } = startHost(
      buildStack([{ logicalId: 'Echo', code: 'echo', properties: { ReservedConcurrentExecutions: 0 } }]),
    );

    const result = await host.invoke('Echo', {});

    expect(result).toMatchObject({ ok: false, errorType: 'TooManyRequestsException' });
  });
});
