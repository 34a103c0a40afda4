import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpApis, type HttpApis } from '../apigateway/http-apis.ts';
import type { InvokeResult, LambdaInvoker } from '../model.ts';
import { createIdentityRegistry } from './identities.ts';
import { createLocalIssuer } from './jwt.ts';
import { call, lambdaFunction, policy, recordingLogger, resource, role, stackOf } from './test-support.ts';

// An internal route with AWS_IAM authorization, end to end through the local API Gateway: what AWS
// refuses unsigned must be refused here too, and a SigV4 signature of a granted function let through.

const stack = stackOf([
  resource(
    'InternalApi',
    'AWS::ApiGatewayV2::Api',
    { ProtocolType: 'HTTP' },
    { ref: 'intapi', attributes: { ApiEndpoint: 'http://127.0.0.1:0' } },
  ),
  resource('DronesIntegration', 'AWS::ApiGatewayV2::Integration', {
    ApiId: 'intapi',
    IntegrationType: 'AWS_PROXY',
    IntegrationUri: 'arn:aws:lambda:us-east-1:000000000000:function:Drones',
    PayloadFormatVersion: '2.0',
  }),
  resource('ReserveDrone', 'AWS::ApiGatewayV2::Route', {
    ApiId: 'intapi',
    RouteKey: 'POST /drones/{droneId}/reservations',
    Target: 'integrations/DronesIntegration',
    AuthorizationType: 'AWS_IAM',
  }),
  role('SchedulerRole'),
  role('DronesRole'),
  policy(
    'SchedulerPolicy',
    ['SchedulerRole'],
    [
      {
        Effect: 'Allow',
        Action: 'execute-api:Invoke',
        Resource: 'arn:aws:execute-api:us-east-1:000000000000:intapi/*/POST/drones/*/reservations',
      },
    ],
  ),
  lambdaFunction('Scheduler', 'SchedulerRole'),
  lambdaFunction('Drones', 'DronesRole'),
]);

describe('an AWS_IAM route of the local API Gateway', () => {
  const invoked: unknown[] = [];
  const lambda: LambdaInvoker = {
    async invoke(_ref, event): Promise<InvokeResult> {
      invoked.push(event);
      return { ok: true, payload: { statusCode: 201, body: '{"reserved":true}' } };
    },
  };
  const identities = createIdentityRegistry(stack, { secretSeed: 'test' });
  let stateDir: string;
  let apis: HttpApis;
  let url: string;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'iam-route-test-'));
    const issuer = await createLocalIssuer({ stateDir });
    apis = await createHttpApis({ stack, lambda, identities, issuer, log: recordingLogger() });
    url = `${apis.apis[0]?.url}/drones/d-1/reservations`;
  });
  afterAll(async () => {
    await apis.close();
    await rm(stateDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    invoked.length = 0;
  });

  const reserve = (sign?: { accessKeyId: string; secretAccessKey: string; service: string }) =>
    call(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"slot":"10:00"}',
      ...(sign ? { sign } : {}),
    });

  it('refuses an unsigned request with 403 and invokes nothing', async () => {
    const response = await reserve();

    expect(response.status).toBe(403);
    expect(response.json()).toEqual({
      message: expect.stringMatching(/^(Forbidden|Missing Authentication Token)$/),
    });
    expect(invoked).toHaveLength(0);
  });

  it('accepts a request SigV4-signed by a function whose policy grants the route', async () => {
    const response = await reserve({ ...identities.credentialsFor('Scheduler'), service: 'execute-api' });

    expect(response.status).toBe(201);
    expect(response.json()).toEqual({ reserved: true });
    expect(invoked).toEqual([
      expect.objectContaining({ routeKey: 'POST /drones/{droneId}/reservations', body: '{"slot":"10:00"}' }),
    ]);
  });

  it('refuses a signature made for another service', async () => {
    const response = await reserve({ ...identities.credentialsFor('Scheduler'), service: 'lambda' });

    expect(response.status).toBe(403);
    expect(invoked).toHaveLength(0);
  });

  it('refuses a signed request of a function whose policy lacks the route', async () => {
    const response = await reserve({ ...identities.credentialsFor('Drones'), service: 'execute-api' });

    expect(response.status).toBe(403);
    expect(invoked).toHaveLength(0);
  });
});
