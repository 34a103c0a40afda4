// The tracer, loaded on the first invocation (shared/observability.ts), traces as Powertools' own
// middleware over an eagerly created tracer does: each invocation a handler subsegment with its cold
// start and service annotations, each SDK call a subsegment under it, all sent to the X-Ray daemon.
// Nothing here may load the X-Ray SDK before that test has set the Lambda environment it reads once.
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext } from '../../test/support/lambda.ts';
import { startTestServer } from '../test-support/http-server.ts';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('where tracing is off', () => {
  it('adds no middleware, loads no tracer and leaves the SDK clients as they are', async () => {
    vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'false');
    const { invocationTracing } = await import('./tracing.ts');
    const { documentClient } = await import('../clients/dynamodb.ts');

    expect(invocationTracing()).toEqual([]);
    expect(documentClient.middlewareStack.identify().join()).not.toContain('XRaySDKInstrumentation');
  });
});

interface SentSubsegment {
  name: string;
  id: string;
  parent_id: string;
  trace_id: string;
  annotations?: Record<string, unknown>;
  aws?: { operation?: string };
}

// The X-Ray daemon: receives the subsegments the SDK sends over UDP, one per datagram.
async function startDaemon() {
  const socket: Socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const received: SentSubsegment[] = [];
  let wanted = Number.POSITIVE_INFINITY;
  let arrived: () => void = () => {};
  socket.on('message', (datagram) => {
    const [, document] = datagram.toString().split('\n');
    received.push(JSON.parse(document ?? '{}') as SentSubsegment);
    if (received.length >= wanted) arrived();
  });
  return {
    address: `127.0.0.1:${(socket.address() as AddressInfo).port}`,
    /** Resolves once `count` subsegments came in (the test's timeout bounds the wait). */
    subsegments(count: number): Promise<SentSubsegment[]> {
      wanted = count;
      return received.length >= count
        ? Promise.resolve(received)
        : new Promise((resolve) => {
            arrived = () => resolve(received);
          });
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

describe('where tracing is on', () => {
  it('loads the tracer on the first invocation and traces every invocation and SDK call', async () => {
    const daemon = await startDaemon();
    const dynamodb = await startTestServer('answer');
    vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'true');
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs24.x');
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    vi.stubEnv('LAMBDA_TASK_ROOT', '/var/task');
    vi.stubEnv('_HANDLER', 'index.handler');
    vi.stubEnv('AWS_XRAY_DAEMON_ADDRESS', daemon.address);
    vi.stubEnv('AWS_ENDPOINT_URL', dynamodb.url);
    const { invocationHandler } = await import('./stacks.ts');
    const { documentClient } = await import('../clients/dynamodb.ts');
    const handler = invocationHandler(
      () => 'correlation-1',
      async () => documentClient.send(new GetCommand({ TableName: 'table', Key: { pk: 'a' } })),
    );
    const traced = () => documentClient.middlewareStack.identify().join().includes('XRaySDKInstrumentation');

    try {
      expect(traced()).toBe(false);
      for (const invocation of [1, 2]) {
        vi.stubEnv(
          '_X_AMZN_TRACE_ID',
          `Root=1-5759e988-bd862e3fe1be46a99427289${invocation};Parent=53995c3f42cd8ad${invocation};Sampled=1`,
        );
        await handler({}, lambdaContext());
      }
      const subsegments = await daemon.subsegments(4);

      expect(traced()).toBe(true);
      const handlers = subsegments.filter((subsegment) => subsegment.name === '## index.handler');
      expect(
        handlers.map((subsegment) => [subsegment.trace_id, subsegment.parent_id, subsegment.annotations]),
      ).toEqual([
        ['1-5759e988-bd862e3fe1be46a994272891', '53995c3f42cd8ad1', { ColdStart: true, Service: 'test' }],
        ['1-5759e988-bd862e3fe1be46a994272892', '53995c3f42cd8ad2', { ColdStart: false, Service: 'test' }],
      ]);
      const calls = subsegments.filter((subsegment) => subsegment.name === 'DynamoDB');
      expect(calls.map((subsegment) => [subsegment.parent_id, subsegment.aws?.operation])).toEqual(
        handlers.map((subsegment) => [subsegment.id, 'GetItem']),
      );
    } finally {
      await Promise.all([daemon.close(), dynamodb.close()]);
    }
  });
});
