import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ResolvedResource, ResolvedStack } from '../model.ts';
import { createLambdaHost, type LambdaHost } from './host.ts';

// Accepted asynchronous invocations are journaled under the state folder: a host started on the
// same folder (after a stop or a crash) runs what the last one left, where it was.

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const DESTINATION_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:outcomes`;
const FIXTURES = fileURLToPath(new URL('./test-fixtures/', import.meta.url));

function stackWith(code: string, invokeConfig: Record<string, unknown> = {}, name = 'job'): ResolvedStack {
  const fn: ResolvedResource = {
    logicalId: 'Job',
    type: 'AWS::Lambda::Function',
    properties: { Handler: 'index.handler', Runtime: 'nodejs24.x', Timeout: 30 },
    physicalName: name,
    ref: name,
    attributes: { Arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}` },
    dependsOn: [],
  };
  const config: ResolvedResource = {
    logicalId: 'JobInvokeConfig',
    type: 'AWS::Lambda::EventInvokeConfig',
    properties: { FunctionName: name, Qualifier: '$LATEST', ...invokeConfig },
    physicalName: 'JobInvokeConfig',
    ref: 'JobInvokeConfig',
    attributes: {},
    dependsOn: [],
  };
  return {
    stackName: 'TestStack',
    region: REGION,
    accountId: ACCOUNT,
    cloudAssemblyDir: FIXTURES,
    resources: new Map([
      [fn.logicalId, fn],
      [config.logicalId, config],
    ]),
    functionCode: new Map([['Job', join(FIXTURES, code)]]),
  };
}

interface Started {
  host: LambdaHost;
  log: { info: ReturnType<typeof vi.fn>; warn: ReturnType<typeof vi.fn>; error: ReturnType<typeof vi.fn> };
  output: () => string;
  sent: { queueArn: string; body: string }[];
}

const hosts: LambdaHost[] = [];

function startHost(
  stateDir: string,
  stack: ResolvedStack,
  retryDelaysMs: [number, number] = [20, 20],
): Started {
  const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  let text = '';
  const sent: Started['sent'] = [];
  const host = createLambdaHost({
    stack,
    edgeUrl: 'http://127.0.0.1:9',
    credentialsFor: () => ({ accessKeyId: 'LOCALJOB', secretAccessKey: 'secret' }),
    log,
    logDir: join(stateDir, 'logs'),
    output: new Writable({
      write(chunk, _encoding, done) {
        text += String(chunk);
        done();
      },
    }),
    queueSender: {
      async sendMessage(queueArn, body) {
        sent.push({ queueArn, body });
      },
    },
    asyncRetryDelaysMs: retryDelaysMs,
    journalPath: join(stateDir, 'lambda', 'async-invocations'),
  });
  hosts.push(host);
  host.start();
  return { host, log, output: () => text, sent };
}

function stateDir(): string {
  return mkdtempSync(join(tmpdir(), 'async-journal-test-'));
}

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.stop()));
});

describe('asynchronous invocations across a restart', () => {
  it('runs an invocation accepted before a crash', async () => {
    // Prepare
    const dir = stateDir();
    const crashed = startHost(dir, stackWith('sleep'));
    await crashed.host.invoke('job', { ms: 60_000 }, { invocationType: 'Event' });
    // Act
    const next = startHost(dir, stackWith('counter'));
    // Assess
    await vi.waitFor(() => expect(next.output()).toContain('invocation 1 of undefined'));
  });

  it('resumes a retry the stop interrupted, with the attempts already made', async () => {
    // Prepare
    const dir = stateDir();
    const config = { DestinationConfig: { OnSuccess: { Destination: DESTINATION_ARN } } };
    const first = startHost(dir, stackWith('fail', config), [300, 300]);
    await first.host.invoke('job', { id: 'j-1' }, { invocationType: 'Event' });
    await vi.waitFor(() =>
      expect(first.log.warn).toHaveBeenCalledWith(
        'asynchronous invocation failed; retrying',
        expect.anything(),
      ),
    );
    await first.host.stop();
    // Act
    const next = startHost(dir, stackWith('counter', config), [300, 300]);
    // Assess
    await vi.waitFor(() => expect(next.sent).toHaveLength(1));
    expect(JSON.parse(next.sent[0]?.body ?? '{}')).toMatchObject({
      requestContext: { condition: 'Success', approximateInvokeCount: 2 },
      requestPayload: { id: 'j-1' },
    });
    expect(next.output().match(/START RequestId/g)).toHaveLength(1);
  });

  it('counts an attempt cut off by the stop as failed, and applies the retry settings', async () => {
    // Prepare
    const dir = stateDir();
    const config = {
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: DESTINATION_ARN } },
    };
    const first = startHost(dir, stackWith('sleep', config));
    await first.host.invoke('job', { ms: 60_000 }, { invocationType: 'Event' });
    await vi.waitFor(() => expect(first.output()).toContain('START RequestId'));
    await first.host.stop();
    // Act
    const next = startHost(dir, stackWith('counter', config));
    // Assess
    await vi.waitFor(() => expect(next.sent).toHaveLength(1));
    expect(JSON.parse(next.sent[0]?.body ?? '{}')).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 1 },
      responsePayload: { errorType: 'Runtime.ExitError' },
    });
    expect(next.output()).not.toContain('START RequestId');
  });

  it('drops, with a log line, an invocation of a function the template no longer has', async () => {
    // Prepare
    const dir = stateDir();
    const first = startHost(dir, stackWith('fail', {}, 'gone'), [60_000, 60_000]);
    await first.host.invoke('gone', {}, { invocationType: 'Event' });
    await vi.waitFor(() => expect(first.log.warn).toHaveBeenCalled());
    await first.host.stop();
    // Act
    const without = startHost(dir, stackWith('counter'));
    await without.host.stop();
    const withAgain = startHost(dir, stackWith('counter', {}, 'gone'));
    // Assess
    expect(without.log.warn).toHaveBeenCalledWith(
      'pending asynchronous invocation dropped: the template no longer has its function',
      expect.objectContaining({ function: 'gone' }),
    );
    expect(withAgain.log.info).not.toHaveBeenCalledWith('asynchronous invocation resumed', expect.anything());
  });

  it('refuses a journal entry it cannot read, naming the file', () => {
    // Prepare
    const dir = stateDir();
    startHost(dir, stackWith('counter'));
    writeFileSync(
      join(dir, 'lambda', 'async-invocations.json'),
      JSON.stringify({ format: 1, generation: 1, entries: { x: { functionName: 'job' } }, expires: {} }),
    );
    // Act
    const start = () => startHost(dir, stackWith('counter'));
    // Assess
    expect(start).toThrow(/async-invocations: the pending invocation x is malformed/);
  });
});
