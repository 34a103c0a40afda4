// The bus reports the PutEvents entries it accepts, the HTTP APIs the requests they answer.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApis, type HttpApis } from '../apigateway/http-apis.ts';
import { createIdentityRegistry } from '../auth/identities.ts';
import { createLocalIssuer } from '../auth/jwt.ts';
import { call, lambdaFunction, recordingLogger, resource, role, stackOf } from '../auth/test-support.ts';
import { createEventBridge } from '../eventbridge/index.ts';
import {
  busResource,
  stackOf as busStackOf,
  entry,
  FakeLambda,
  FakeQueues,
  MemoryLog,
  tempStateDir,
} from '../eventbridge/test-support/fixtures.ts';
import { createMeter } from './meter.ts';

const KB = 1024;

describe('PutEvents, metered', () => {
  it('counts each accepted entry in 64 KB chunks, and no refused entry', async () => {
    // Prepare
    const meter = createMeter();
    const bridge = createEventBridge({
      stack: busStackOf(busResource()),
      lambda: new FakeLambda(),
      queues: new FakeQueues(),
      log: new MemoryLog(),
      stateDir: tempStateDir(),
      meter,
    });
    const big = entry({ Detail: JSON.stringify({ data: 'x'.repeat(70 * KB) }) });
    const missing = entry({ EventBusName: 'no-such-bus' });
    // Act
    const response = await bridge.handle(
      'PutEvents',
      { Entries: [big, entry(), missing] },
      {
        kind: 'admin',
        accessKeyId: 'AKIDADMIN',
      },
    );
    await bridge.stop();
    // Assess
    expect(response.body).toMatchObject({ FailedEntryCount: 1 });
    expect(meter.snapshot().eventbridge).toEqual({
      'my-bus': { entries: 2, events: 3, bytes: expect.any(Number) },
    });
  });
});

describe('HTTP APIs, metered', () => {
  const meter = createMeter();
  const stack = stackOf([
    resource(
      'Api',
      'AWS::ApiGatewayV2::Api',
      { ProtocolType: 'HTTP' },
      {
        ref: 'api1',
        attributes: { ApiEndpoint: 'http://127.0.0.1:0' },
      },
    ),
    resource('Integration', 'AWS::ApiGatewayV2::Integration', {
      ApiId: 'api1',
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: 'arn:aws:lambda:us-east-1:000000000000:function:Items',
      PayloadFormatVersion: '2.0',
    }),
    resource('PostItem', 'AWS::ApiGatewayV2::Route', {
      ApiId: 'api1',
      RouteKey: 'POST /v1/items',
      Target: 'integrations/Integration',
      AuthorizationType: 'NONE',
    }),
    role('ItemsRole'),
    lambdaFunction('Items', 'ItemsRole'),
  ]);
  let stateDir: string;
  let apis: HttpApis;
  let url: string;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'metered-apis-'));
    apis = await createHttpApis({
      stack,
      lambda: {
        invoke: async (_ref, event) => ({
          ok: true,
          payload: { statusCode: (event as { body?: string }).body === 'bad' ? 400 : 202, body: '{}' },
        }),
      },
      identities: createIdentityRegistry(stack, { secretSeed: 'test' }),
      issuer: await createLocalIssuer({ stateDir }),
      log: recordingLogger(),
      meter,
    });
    url = apis.apis[0]?.url ?? '';
  });
  afterAll(async () => {
    await apis.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('counts each answer by route and status, and a request of 600 KB as two', async () => {
    // Act
    await call(`${url}/v1/items`, { method: 'POST', body: 'good' });
    await call(`${url}/v1/items`, { method: 'POST', body: 'bad' });
    await call(`${url}/v1/items`, { method: 'POST', body: 'y'.repeat(600 * KB) });
    await call(`${url}/nowhere`);
    // Assess
    expect(meter.snapshot().apigateway).toEqual({
      api1: {
        logicalId: 'Api',
        calls: 4,
        requests: 5,
        routes: { 'POST /v1/items': { '202': 2, '400': 1 }, '(no route)': { '404': 1 } },
      },
    });
  });
});
