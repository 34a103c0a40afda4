// Hand-built resolved stacks and fakes of the local cloud's other parts, for the EventBridge tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  InvokeOptions,
  InvokeResult,
  LambdaInvoker,
  LocalLogger,
  QueueSender,
  ResolvedResource,
  ResolvedStack,
} from '../../model.ts';

export const ACCOUNT = '000000000000';
export const REGION = 'us-east-1';
export const BUS_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/my-bus`;
export const DEFAULT_BUS_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`;
export const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:my-queue`;
export const FIFO_QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:my-queue.fifo`;
export const DLQ_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:my-dlq`;
export const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:my-fn`;

export function ruleArn(name: string, bus = 'my-bus'): string {
  return bus === 'default'
    ? `arn:aws:events:${REGION}:${ACCOUNT}:rule/${name}`
    : `arn:aws:events:${REGION}:${ACCOUNT}:rule/${bus}/${name}`;
}

function resource(
  logicalId: string,
  type: string,
  physicalName: string,
  ref: string,
  properties: Record<string, unknown>,
  arn: string,
): ResolvedResource {
  return { logicalId, type, properties, physicalName, ref, attributes: { Arn: arn }, dependsOn: [] };
}

export function busResource(name = 'my-bus'): ResolvedResource {
  return resource(
    `${name}Bus`,
    'AWS::Events::EventBus',
    name,
    name,
    { Name: name },
    BUS_ARN.replace('my-bus', name),
  );
}

/** A rule on `my-bus` (or the bus named in properties) whose Ref is `busName|ruleName`, as AWS gives it. */
export function ruleResource(name: string, properties: Record<string, unknown>): ResolvedResource {
  const bus = typeof properties.EventBusName === 'string' ? properties.EventBusName : 'default';
  const ref = bus === 'default' ? name : `${bus}|${name}`;
  return resource(
    `${name}Rule`,
    'AWS::Events::Rule',
    name,
    ref,
    { Name: name, ...properties },
    ruleArn(name, bus),
  );
}

export function archiveResource(name: string, properties: Record<string, unknown>): ResolvedResource {
  const arn = `arn:aws:events:${REGION}:${ACCOUNT}:archive/${name}`;
  return resource(
    `${name}Archive`,
    'AWS::Events::Archive',
    name,
    name,
    { ArchiveName: name, ...properties },
    arn,
  );
}

export function stackOf(...resources: ResolvedResource[]): ResolvedStack {
  return {
    stackName: 'TestStack',
    region: REGION,
    accountId: ACCOUNT,
    cloudAssemblyDir: '/tmp/cdk.out',
    resources: new Map(resources.map((r) => [r.logicalId, r])),
    functionCode: new Map(),
  };
}

export function tempStateDir(): string {
  return mkdtempSync(join(tmpdir(), 'eventbridge-test-'));
}

export interface SentMessage {
  queueArn: string;
  body: string;
  options: Parameters<QueueSender['sendMessage']>[2];
}

/** Records messages; `failures` makes the next sends to a queue throw. */
export class FakeQueues implements QueueSender {
  readonly sent: SentMessage[] = [];
  readonly failures = new Map<string, { remaining: number; error: Error }>();

  failNext(queueArn: string, times: number, error = new Error('queue unavailable')): void {
    this.failures.set(queueArn, { remaining: times, error });
  }

  async sendMessage(queueArn: string, body: string, options?: SentMessage['options']): Promise<void> {
    const failure = this.failures.get(queueArn);
    if (failure && failure.remaining > 0) {
      failure.remaining--;
      throw failure.error;
    }
    this.sent.push({ queueArn, body, options });
  }

  to(queueArn: string): SentMessage[] {
    return this.sent.filter((message) => message.queueArn === queueArn);
  }
}

/** Records invocations and answers with the queued results, then success. */
export class FakeLambda implements LambdaInvoker {
  readonly invocations: { functionRef: string; event: unknown; options?: InvokeOptions }[] = [];
  readonly results: InvokeResult[] = [];

  async invoke(functionRef: string, event: unknown, options?: InvokeOptions): Promise<InvokeResult> {
    this.invocations.push({ functionRef, event, ...(options ? { options } : {}) });
    return this.results.shift() ?? { ok: true, payload: null };
  }
}

export class MemoryLog implements LocalLogger {
  readonly lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  info(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'info', message, ...(fields ? { fields } : {}) });
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'warn', message, ...(fields ? { fields } : {}) });
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'error', message, ...(fields ? { fields } : {}) });
  }
}

/** A PutEvents entry for `my-bus`. */
export function entry(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Source: 'app.orders',
    DetailType: 'OrderPlaced',
    Detail: JSON.stringify({ orderId: 'o-1', amount: 42 }),
    EventBusName: 'my-bus',
    ...overrides,
  };
}
