// Synchronous invocations through the host: results, errors, context, and the function's log lines.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ACCOUNT, buildStack, type EchoPayload, REGION, startHost, stopHost } from './host-test-support.ts';

const codeDirs: string[] = [];

afterEach(async () => {
  await stopHost();
  for (const dir of codeDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A function folder holding `index.mjs` with the given source. */
function functionCode(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sync-invoker-code-'));
  codeDirs.push(dir);
  writeFileSync(join(dir, 'index.mjs'), source);
  return dir;
}

/** The lines of the function's output between its START and END lines. */
function invocationLines(output: string, prefix: string): string[] {
  const lines = output.trim().split('\n');
  const start = lines.findIndex((line) => line.startsWith(`${prefix} START`));
  const end = lines.findIndex((line) => line.startsWith(`${prefix} END`));
  return lines.slice(start + 1, end);
}

describe('createLambdaHost: invocation results', () => {
  it('returns the handler payload with the Lambda context', async () => {
    const { host } = startHost(
      buildStack([
        { logicalId: 'Echo', name: 'echo-fn', code: 'echo', properties: { MemorySize: 256, Timeout: 5 } },
      ]),
    );

    const result = await host.invoke('echo-fn', { hello: 'world' });

    expect(result.ok).toBe(true);
    const payload = (result as { payload: EchoPayload }).payload;
    expect(payload.event).toEqual({ hello: 'world' });
    expect(payload.context).toMatchObject({
      functionName: 'echo-fn',
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:echo-fn`,
      memoryLimitInMB: '256',
      logGroupName: '/aws/lambda/echo-fn',
      callbackWaitsForEmptyEventLoop: true,
    });
    expect(payload.context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload.context.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(payload.context.remainingTimeInMillis).toBeGreaterThan(0);
    expect(payload.context.remainingTimeInMillis).toBeLessThanOrEqual(5000);
  });

  it('sets a fresh X-Ray trace header for each invocation', async () => {
    const { host } = startHost(buildStack([{ logicalId: 'Echo', code: 'echo' }]));

    const first = await host.invoke('Echo', {});
    const second = await host.invoke('Echo', {});

    const traceOf = (result: unknown) => (result as { payload: EchoPayload }).payload.env._X_AMZN_TRACE_ID;
    const format = /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/;
    expect(traceOf(first)).toMatch(format);
    expect(traceOf(second)).toMatch(format);
    expect(traceOf(second)).not.toBe(traceOf(first));
  });

  it('maps a thrown error to its name and message', async () => {
    const { host } = startHost(buildStack([{ logicalId: 'Fail', code: 'fail' }]));

    const result = await host.invoke('Fail', { id: 'd-1' });

    expect(result).toEqual({ ok: false, errorType: 'DeliveryRefused', errorMessage: 'refused d-1' });
  });

  it('runs a CommonJS callback-style handler', async () => {
    const { host } = startHost(buildStack([{ logicalId: 'Callback', code: 'callback' }]));

    const result = await host.invoke('Callback', { name: 'drone' });

    expect(result).toEqual({ ok: true, payload: { greeting: 'hello drone' } });
  });

  it('reports a missing handler export as Runtime.HandlerNotFound', async () => {
    const { host } = startHost(buildStack([{ logicalId: 'Broken', code: 'broken' }]));

    const result = await host.invoke('Broken', {});

    expect(result).toMatchObject({ ok: false, errorType: 'Runtime.HandlerNotFound' });
  });
});

describe('createLambdaHost: logs', () => {
  it('prefixes function output with its name and writes START, END and REPORT lines', async () => {
    const { host, output } = startHost(
      buildStack([
        {
          logicalId: 'Counter',
          code: 'counter',
          properties: { Environment: { Variables: { MARKER: 'x' } } },
        },
      ]),
    );

    await host.invoke('Counter', {});

    const lines = output().trim().split('\n');
    expect(lines[0]).toMatch(/^\[Counter\] START RequestId: [0-9a-f-]{36} Version: \$LATEST$/);
    expect(lines[1]).toMatch(/^\[Counter\] \S+Z\t[0-9a-f-]{36}\tINFO\tinvocation 1 of x$/);
    expect(lines[2]).toMatch(/^\[Counter\] END RequestId: [0-9a-f-]{36}$/);
    expect(lines[3]).toMatch(
      /^\[Counter\] REPORT RequestId: .*\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\t.*Init Duration/,
    );
  });

  it('keeps the output of both streams in order between START and END, across awaits', async () => {
    const code = functionCode(`
      console.log('loaded');
      export const handler = async () => {
        console.log('before the wait');
        await new Promise((resolve) => setTimeout(resolve, 5));
        process.stderr.write('on stderr\\n');
        process.stdout.write(Buffer.from('as bytes\\n'));
        // A character split between two writes a turn apart; the second write's callback is called.
        const split = Buffer.from('über\\n');
        process.stdout.write(split.subarray(0, 1));
        await new Promise((resolve) => setTimeout(resolve, 5));
        await new Promise((resolve) => process.stdout.write(split.subarray(1), resolve));
        console.log('after the wait');
        return 'done';
      };
    `);
    const { host, output } = startHost(buildStack([{ logicalId: 'Talker', code }]));

    const result = await host.invoke('Talker', {});

    expect(result).toEqual({ ok: true, payload: 'done' });
    expect(output()).toMatch(/\tundefined\tINFO\tloaded\n/);
    const lines = invocationLines(output(), '[Talker]');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/\tINFO\tbefore the wait$/);
    expect(lines[1]).toBe('[Talker] on stderr');
    expect(lines[2]).toBe('[Talker] as bytes');
    expect(lines[3]).toBe('[Talker] über');
    expect(lines[4]).toMatch(/\tINFO\tafter the wait$/);
  });

  it('writes what a running invocation prints before it ends', async () => {
    const signal = join(mkdtempSync(join(tmpdir(), 'sync-invoker-signal-')), 'go');
    codeDirs.push(join(signal, '..'));
    const code = functionCode(`
      import { existsSync } from 'node:fs';
      export const handler = async (event) => {
        console.log('waiting for the signal');
        while (!existsSync(event.signal)) await new Promise((resolve) => setTimeout(resolve, 10));
        return 'signalled';
      };
    `);
    const { host, output } = startHost(buildStack([{ logicalId: 'Waiter', code }]));

    const invocation = host.invoke('Waiter', { signal });
    await vi.waitFor(() => expect(output()).toContain('waiting for the signal'), { timeout: 10_000 });
    writeFileSync(signal, '');

    expect(await invocation).toEqual({ ok: true, payload: 'signalled' });
    expect(output()).not.toMatch(/waiting for the signal[\s\S]*waiting for the signal/);
  });

  it('appends the function output to <logDir>/<functionName>.log', async () => {
    const { host, logDir } = startHost(
      buildStack([{ logicalId: 'Counter', name: 'counter-fn', code: 'counter' }]),
    );

    await host.invoke('counter-fn', {});
    await host.stop();

    const file = readFileSync(join(logDir, 'counter-fn.log'), 'utf8');
    expect(file).toContain('INFO\tinvocation 1 of undefined');
    expect(file).toContain('REPORT RequestId:');
  });
});
