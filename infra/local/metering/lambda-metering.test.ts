// The Lambda host reports each invocation's billed duration and each function's log bytes.
import { afterEach, describe, expect, it } from 'vitest';
import { buildStack, startHost, stopHost } from '../lambda/host-test-support.ts';
import { createMeter } from './meter.ts';
import { gbSeconds } from './units.ts';

afterEach(async () => {
  await stopHost();
});

const stack = () =>
  buildStack([
    {
      logicalId: 'Echo',
      name: 'echo-fn',
      code: 'echo',
      properties: { MemorySize: 256, Timeout: 5, Architectures: ['arm64'] },
    },
  ]);

describe('the Lambda host, metered', () => {
  it('bills each invocation as its REPORT line says, the cold start with its init phase', async () => {
    // Prepare
    const meter = createMeter({ stack: stack() });
    const { host, output } = startHost(stack(), { meter });
    // Act
    await host.invoke('echo-fn', { n: 1 });
    await host.invoke('echo-fn', { n: 2 });
    // Assess
    const reports = [
      ...output().matchAll(
        /Duration: ([\d.]+) ms\tBilled Duration: (\d+) ms.*?(?:Init Duration: ([\d.]+) ms)?$/gm,
      ),
    ];
    expect(reports).toHaveLength(2);
    const [cold, warm] = reports.map((report) => ({
      duration: Number(report[1]),
      billed: Number(report[2]),
      init: report[3] === undefined ? 0 : Number(report[3]),
    }));
    expect(cold?.init).toBeGreaterThan(0);
    expect(warm?.init).toBe(0);
    // The REPORT line rounds what it prints; the billed figure comes from the exact durations.
    expect(
      Math.abs((cold?.billed ?? 0) - Math.ceil((cold?.duration ?? 0) + (cold?.init ?? 0))),
    ).toBeLessThanOrEqual(1);
    const billedMs = (cold?.billed ?? 0) + (warm?.billed ?? 0);
    expect(meter.snapshot().lambda['echo-fn']).toEqual({
      architecture: 'arm64',
      memoryMb: 256,
      requests: 2,
      billedMs,
      initMs: expect.closeTo(cold?.init ?? 0, 1),
      coldStarts: 1,
      gbSeconds: expect.closeTo(gbSeconds(billedMs, 256), 12),
    });
  });

  it('counts the bytes and lines the function wrote to its log', async () => {
    // Prepare
    const meter = createMeter({ stack: stack() });
    const { host, output } = startHost(stack(), { meter });
    // Act
    await host.invoke('echo-fn', {});
    // Assess
    const lines = output()
      .split('\n')
      .filter((line) => line.startsWith('[echo-fn] '))
      .map((line) => line.slice('[echo-fn] '.length));
    const bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0);
    expect(meter.snapshot().logs['/aws/lambda/echo-fn']).toEqual({ bytes, events: lines.length });
    expect(lines).toContainEqual(expect.stringMatching(/^REPORT RequestId: /));
  });

  it('bills no invocation that never reached an environment', async () => {
    // Prepare
    const meter = createMeter({ stack: stack() });
    const { host } = startHost(stack(), { meter });
    host.setFaults([{ function: 'echo-fn', errorRate: 1 }]);
    // Act
    const result = await host.invoke('echo-fn', {});
    // Assess
    expect(result).toMatchObject({ ok: false, errorType: 'InjectedFault' });
    expect(meter.snapshot().lambda).toEqual({});
  });
});
