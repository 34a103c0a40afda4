import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LocalLogger, QueueSender, ResolvedResource, ResolvedStack } from '../model.ts';
import { createLambdaHost, type LambdaHost, type LambdaHostOptions } from './host.ts';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const EDGE = 'http://127.0.0.1:45999';
const FAILURE_QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:failures`;
const DEAD_LETTER_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:dead-letters`;

interface FunctionSpec {
  logicalId: string;
  code: string;
  name?: string;
  properties?: Record<string, unknown>;
}

function functionResource(spec: FunctionSpec): ResolvedResource {
  const name = spec.name ?? spec.logicalId;
  return {
    logicalId: spec.logicalId,
    type: 'AWS::Lambda::Function',
    properties: { Handler: 'index.handler', Runtime: 'nodejs24.x', ...spec.properties },
    physicalName: name,
    ref: name,
    attributes: { Arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}` },
    dependsOn: [],
  };
}

function buildStack(functions: FunctionSpec[], extra: ResolvedResource[] = []): ResolvedStack {
  const fixtures = fileURLToPath(new URL('./test-fixtures/', import.meta.url));
  const resources = new Map<string, ResolvedResource>();
  for (const resource of [...functions.map(functionResource), ...extra])
    resources.set(resource.logicalId, resource);
  return {
    stackName: 'TestStack',
    region: REGION,
    accountId: ACCOUNT,
    cloudAssemblyDir: fixtures,
    resources,
    functionCode: new Map(functions.map((spec) => [spec.logicalId, join(fixtures, spec.code)])),
  };
}

function invokeConfig(functionName: string, properties: Record<string, unknown>): ResolvedResource {
  return {
    logicalId: `${functionName}InvokeConfig`,
    type: 'AWS::Lambda::EventInvokeConfig',
    properties: { FunctionName: functionName, Qualifier: '$LATEST', ...properties },
    physicalName: `${functionName}InvokeConfig`,
    ref: `${functionName}InvokeConfig`,
    attributes: {},
    dependsOn: [],
  };
}

interface Harness {
  host: LambdaHost;
  log: { [K in keyof LocalLogger]: ReturnType<typeof vi.fn> };
  output: () => string;
  logDir: string;
  sent: Array<{ queueArn: string; body: string; options: unknown }>;
}

let current: Harness | undefined;

function startHost(stack: ResolvedStack, overrides: Partial<LambdaHostOptions> = {}): Harness {
  const logDir = mkdtempSync(join(tmpdir(), 'lambda-host-'));
  const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  let text = '';
  const output = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  const sent: Harness['sent'] = [];
  const queueSender: QueueSender = {
    async sendMessage(queueArn, body, options) {
      sent.push({ queueArn, body, options });
    },
  };
  const host = createLambdaHost({
    stack,
    edgeUrl: EDGE,
    credentialsFor: (name) => ({
      accessKeyId: `LOCAL${name.toUpperCase()}`,
      secretAccessKey: `secret-${name}`,
    }),
    log,
    logDir,
    output,
    queueSender,
    asyncRetryDelaysMs: [20, 20],
    ...overrides,
  });
  current = { host, log, output: () => text, logDir, sent };
  return current;
}

afterEach(async () => {
  if (!current) return;
  await current.host.stop();
  rmSync(current.logDir, { recursive: true, force: true });
  current = undefined;
});

type EchoPayload = {
  event: unknown;
  env: Record<string, string>;
  context: Record<string, unknown> & { remainingTimeInMillis: number };
};

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

  it('gives the function its template variables, Lambda variables, own credentials and the edge endpoints', async () => {
    const { host } = startHost(
      buildStack([
        {
          logicalId: 'Echo',
          name: 'echo-fn',
          code: 'echo',
          properties: {
            Environment: { Variables: { TABLE_NAME: 'orders', NODE_OPTIONS: '--enable-source-maps' } },
          },
        },
      ]),
    );

    const result = await host.invoke('echo-fn', {});

    const env = (result as { payload: EchoPayload }).payload.env;
    expect(env).toMatchObject({
      TABLE_NAME: 'orders',
      NODE_OPTIONS: '--enable-source-maps',
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_LAMBDA_FUNCTION_NAME: 'echo-fn',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/echo-fn',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      TZ: ':UTC',
      AWS_ACCESS_KEY_ID: 'LOCALECHO-FN',
      AWS_SECRET_ACCESS_KEY: 'secret-echo-fn',
      AWS_ENDPOINT_URL: EDGE,
      AWS_ENDPOINT_URL_DYNAMODB: EDGE,
      AWS_ENDPOINT_URL_SQS: EDGE,
      AWS_ENDPOINT_URL_EVENTBRIDGE: EDGE,
      AWS_ENDPOINT_URL_LAMBDA: EDGE,
    });
    expect(env.LAMBDA_TASK_ROOT).toMatch(/test-fixtures\/echo$/);
    expect(env.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(/\[\$LATEST\]/);
    expect(env.AWS_SESSION_TOKEN).toBeUndefined();
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

  it('finds a function by name, logical id, ARN and qualified ARN', async () => {
    const { host } = startHost(buildStack([{ logicalId: 'EchoFn', name: 'echo-fn', code: 'echo' }]));
    const arn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:echo-fn`;

    const results = await Promise.all(
      ['echo-fn', 'EchoFn', arn, `${arn}:$LATEST`].map((ref) => host.invoke(ref, { ref })),
    );

    expect(results.map((result) => result.ok)).toEqual([true, true, true, true]);
  });

  it('answers ResourceNotFoundException for an unknown function', async () => {
    const { host } = startHost(buildStack([{ logicalId: 'Echo', code: 'echo' }]));

    const result = await host.invoke('missing', {});

    expect(result).toMatchObject({ ok: false, errorType: 'ResourceNotFoundException' });
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

describe('createLambdaHost: asynchronous invocations', () => {
  it('accepts an Event invocation at once and runs it in the background', async () => {
    const { host, output } = startHost(buildStack([{ logicalId: 'Counter', code: 'counter' }]));

    const accepted = await host.invoke('Counter', {}, { invocationType: 'Event' });

    expect(accepted).toEqual({ ok: true, payload: undefined });
    await vi.waitFor(() => expect(output()).toContain('invocation 1 of undefined'));
  });

  it('retries a failing Event invocation twice, then sends the failure record to its destination', async () => {
    const { host, sent, output } = startHost(
      buildStack(
        [{ logicalId: 'Fail', name: 'fail-fn', code: 'fail' }],
        [invokeConfig('fail-fn', { DestinationConfig: { OnFailure: { Destination: FAILURE_QUEUE_ARN } } })],
      ),
    );

    await host.invoke('fail-fn', { id: 'd-2' }, { invocationType: 'Event' });

    await vi.waitFor(() => expect(sent).toHaveLength(1));
    const record = JSON.parse(sent[0]?.body ?? '{}');
    expect(sent[0]?.queueArn).toBe(FAILURE_QUEUE_ARN);
    expect(record).toMatchObject({
      version: '1.0',
      requestContext: {
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
        functionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:fail-fn:$LATEST`,
      },
      requestPayload: { id: 'd-2' },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'DeliveryRefused', errorMessage: 'refused d-2' },
    });
    expect(output().match(/START RequestId/g)).toHaveLength(3);
  });

  it('honours MaximumRetryAttempts of the event invoke config', async () => {
    const { host, sent, output } = startHost(
      buildStack(
        [{ logicalId: 'Fail', name: 'fail-fn', code: 'fail' }],
        [
          invokeConfig('fail-fn', {
            MaximumRetryAttempts: 0,
            DestinationConfig: { OnFailure: { Destination: FAILURE_QUEUE_ARN } },
          }),
        ],
      ),
    );

    await host.invoke('fail-fn', {}, { invocationType: 'Event' });

    await vi.waitFor(() => expect(sent).toHaveLength(1));
    expect(JSON.parse(sent[0]?.body ?? '{}').requestContext.approximateInvokeCount).toBe(1);
    expect(output().match(/START RequestId/g)).toHaveLength(1);
  });

  it('sends the event of a failed Event invocation to the function dead-letter queue', async () => {
    const { host, sent } = startHost(
      buildStack([
        { logicalId: 'Fail', code: 'fail', properties: { DeadLetterConfig: { TargetArn: DEAD_LETTER_ARN } } },
      ]),
    );

    await host.invoke('Fail', { id: 'd-3' }, { invocationType: 'Event' });

    await vi.waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toMatchObject({
      queueArn: DEAD_LETTER_ARN,
      body: JSON.stringify({ id: 'd-3' }),
      options: {
        messageAttributes: {
          ErrorCode: { DataType: 'Number', StringValue: '200' },
          ErrorMessage: { DataType: 'String', StringValue: 'refused d-3' },
        },
      },
    });
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
