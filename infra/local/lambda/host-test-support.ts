// Test support for the Lambda host's tests: stacks of the test-fixtures functions, and a host that
// records its output, logs and destination messages.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';
import type { LocalLogger, QueueSender, ResolvedResource, ResolvedStack } from '../model.ts';
import { createLambdaHost, type LambdaHost, type LambdaHostOptions } from './host.ts';

export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';
export const EDGE = 'http://127.0.0.1:45999';
export const FAILURE_QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:failures`;
export const DEAD_LETTER_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:dead-letters`;
export const FIXTURES = fileURLToPath(new URL('./test-fixtures/', import.meta.url));

export interface FunctionSpec {
  logicalId: string;
  /** A folder of test-fixtures, or an absolute path. */
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

/** A stack with the given functions and other resources. */
export function buildStack(functions: FunctionSpec[], extra: ResolvedResource[] = []): ResolvedStack {
  const resources = new Map<string, ResolvedResource>();
  for (const resource of [...functions.map(functionResource), ...extra])
    resources.set(resource.logicalId, resource);
  return {
    stackName: 'TestStack',
    region: REGION,
    accountId: ACCOUNT,
    cloudAssemblyDir: FIXTURES,
    resources,
    functionCode: new Map(functions.map((spec) => [spec.logicalId, resolve(FIXTURES, spec.code)])),
  };
}

/** An AWS::Lambda::EventInvokeConfig of the named function. */
export function invokeConfig(functionName: string, properties: Record<string, unknown>): ResolvedResource {
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

export interface Harness {
  host: LambdaHost;
  log: { [K in keyof LocalLogger]: ReturnType<typeof vi.fn> };
  output: () => string;
  logDir: string;
  sent: Array<{ queueArn: string; body: string; options: unknown }>;
}

let current: Harness | undefined;

/** Starts a host on the stack; `stopHost` (after each test) stops it and removes its logs. */
export function startHost(stack: ResolvedStack, overrides: Partial<LambdaHostOptions> = {}): Harness {
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

/** Stops the host the last `startHost` started, if any. */
export async function stopHost(): Promise<void> {
  if (!current) return;
  await current.host.stop();
  rmSync(current.logDir, { recursive: true, force: true });
  current = undefined;
}

/** The payload of the echo fixture. */
export type EchoPayload = {
  event: unknown;
  env: Record<string, string>;
  context: Record<string, unknown> & { remainingTimeInMillis: number };
};
