import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ResolvedResource, ResolvedStack } from '../model.ts';
import { createLambdaHost, type LambdaHost } from './host.ts';

// The `abortAfterMs` fault: an execution environment killed partway through an invocation.

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

function sleeperStack(): ResolvedStack {
  const fixtures = fileURLToPath(new URL('./test-fixtures/', import.meta.url));
  const resource: ResolvedResource = {
    logicalId: 'Sleeper',
    type: 'AWS::Lambda::Function',
    properties: { Handler: 'index.handler', Runtime: 'nodejs24.x', Timeout: 5 },
    physicalName: 'sleeper-fn',
    ref: 'sleeper-fn',
    attributes: { Arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:sleeper-fn` },
    dependsOn: [],
  };
  return {
    stackName: 'TestStack',
    region: REGION,
    accountId: ACCOUNT,
    cloudAssemblyDir: fixtures,
    resources: new Map([[resource.logicalId, resource]]),
    functionCode: new Map([[resource.logicalId, join(fixtures, 'sleep')]]),
  };
}

let host: LambdaHost | undefined;
let logDir: string | undefined;
let output = '';
const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };

function startHost(): LambdaHost {
  logDir = mkdtempSync(join(tmpdir(), 'lambda-abort-'));
  output = '';
  host = createLambdaHost({
    stack: sleeperStack(),
    edgeUrl: 'http://127.0.0.1:45999',
    credentialsFor: () => ({ accessKeyId: 'LOCALSLEEPER', secretAccessKey: 'secret' }),
    log,
    logDir,
    output: new Writable({
      write(chunk, _encoding, done) {
        output += String(chunk);
        done();
      },
    }),
  });
  return host;
}

afterEach(async () => {
  await host?.stop();
  if (logDir) rmSync(logDir, { recursive: true, force: true });
  host = undefined;
  logDir = undefined;
  vi.clearAllMocks();
});

describe('createLambdaHost: abort fault', () => {
  it('fails an invocation still running after abortAfterMs with Runtime.ExitError', async () => {
    const lambda = startHost();
    lambda.setFaults([{ function: 'Sleeper', abortAfterMs: 100 }]);
    const startedAt = Date.now();

    const result = await lambda.invoke('sleeper-fn', { ms: 2_000 });

    expect(result).toMatchObject({ ok: false, errorType: 'Runtime.ExitError' });
    expect(Date.now() - startedAt).toBeLessThan(1_500);
    expect(log.warn).toHaveBeenCalledWith(
      'fault injected: abort',
      expect.objectContaining({ function: 'sleeper-fn', abortAfterMs: 100 }),
    );
  });

  it('replaces the killed environment: the next invocation starts cold', async () => {
    const lambda = startHost();
    await lambda.invoke('sleeper-fn', { ms: 1 });
    lambda.setFaults([{ function: 'Sleeper', abortAfterMs: 50 }]);
    await lambda.invoke('sleeper-fn', { ms: 1_000 });
    const environmentsAfterAbort = lambda.functions()[0]?.environments;
    lambda.setFaults([]);

    const next = await lambda.invoke('sleeper-fn', { ms: 1 });

    expect(environmentsAfterAbort).toBe(0);
    expect(next.ok).toBe(true);
    expect(output.match(/Init Duration/g)).toHaveLength(2);
  });

  it('leaves an invocation that ends before abortAfterMs alone', async () => {
    const lambda = startHost();
    lambda.setFaults([{ function: 'Sleeper', abortAfterMs: 1_000 }]);

    const result = await lambda.invoke('sleeper-fn', { ms: 10 });

    expect(result.ok).toBe(true);
  });

  it('aborts no invocation at abortRate 0', async () => {
    const lambda = startHost();
    lambda.setFaults([{ function: 'Sleeper', abortAfterMs: 20, abortRate: 0 }]);

    const result = await lambda.invoke('sleeper-fn', { ms: 200 });

    expect(result.ok).toBe(true);
    expect(lambda.getFaults()).toEqual([{ function: 'Sleeper', abortAfterMs: 20, abortRate: 0 }]);
  });
});
