import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type {
  APIGatewayProxyEventV2WithIAMAuthorizer,
  APIGatewayProxyEventV2WithJWTAuthorizer,
} from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createIdentityRegistry, type IdentityRegistry } from '../auth/identities.ts';
import { createLocalIssuer, type LocalIssuer } from '../auth/jwt.ts';
import { call, recordingLogger } from '../auth/test-support.ts';
import type { InvokeResult, LambdaInvoker } from '../model.ts';
import { createHttpApis, type HttpApiAccess, type HttpApis } from './http-apis.ts';
import { ISSUER, stack } from './http-apis-test-support.ts';

describe('createHttpApis', () => {
  const events: APIGatewayProxyEventV2WithJWTAuthorizer[] = [];
  const accesses: HttpApiAccess[] = [];
  const iamEvent = (index: number) => events[index] as unknown as APIGatewayProxyEventV2WithIAMAuthorizer;
  const log = recordingLogger();
  let stateDir: string;
  let issuer: LocalIssuer;
  let identities: IdentityRegistry;
  let apis: HttpApis;
  let publicUrl: string;
  let internalUrl: string;

  const lambda: LambdaInvoker = {
    async invoke(_ref, event): Promise<InvokeResult> {
      const request = event as APIGatewayProxyEventV2WithJWTAuthorizer;
      events.push(request);
      if (request.rawPath === '/v1/public/fail')
        return { ok: false, errorType: 'Error', errorMessage: 'boom' };
      if (request.rawPath === '/v1/slow') await new Promise((resolve) => setTimeout(resolve, 1000));
      if (request.rawPath === '/v1/public/bare') return { ok: true, payload: { hello: 'world' } };
      return {
        ok: true,
        payload: { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' },
      };
    },
  };

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'http-apis-test-'));
    issuer = await createLocalIssuer({ stateDir });
    identities = createIdentityRegistry(stack, { secretSeed: 'test' });
    apis = await createHttpApis({
      stack,
      lambda,
      identities,
      issuer,
      log,
      onRequest: (access) => accesses.push(access),
    });
    publicUrl = apis.apis.find((api) => api.logicalId === 'PublicApi')!.url;
    internalUrl = apis.apis.find((api) => api.logicalId === 'InternalApi')!.url;
  });
  afterAll(async () => {
    await apis.close();
    await rm(stateDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    events.length = 0;
    log.lines.length = 0;
  });

  const token = (claims: Record<string, unknown> = {}, audience = 'client-1') =>
    issuer.mint({ issuer: ISSUER, audience, sub: 'user-1', claims });

  it('lists each API with its id, URL and JWT authorizers', () => {
    expect(apis.apis.find((api) => api.logicalId === 'PublicApi')).toMatchObject({
      apiId: 'pubapi',
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      authorizers: [{ issuer: ISSUER, audience: ['client-1'] }],
    });
  });

  it('invokes the integration of the matching route with a 2.0 event', async () => {
    const response = await call(`${publicUrl}/v1/public/a/b?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"n":1}',
    });

    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ ok: true });
    expect(events[0]).toMatchObject({
      version: '2.0',
      routeKey: 'ANY /v1/public/{proxy+}',
      rawPath: '/v1/public/a/b',
      rawQueryString: 'x=1',
      queryStringParameters: { x: '1' },
      pathParameters: { proxy: 'a/b' },
      body: '{"n":1}',
      isBase64Encoded: false,
      requestContext: {
        apiId: 'pubapi',
        stage: '$default',
        http: { method: 'POST', path: '/v1/public/a/b' },
      },
    });
  });

  it('answers 404 Not Found when no route matches', async () => {
    const response = await call(`${publicUrl}/nowhere`);

    expect(response.status).toBe(404);
    expect(response.json()).toEqual({ message: 'Not Found' });
  });

  it('maps a bare function result to a 200 JSON response', async () => {
    const response = await call(`${publicUrl}/v1/public/bare`);

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.json()).toEqual({ hello: 'world' });
  });

  it('answers 401 Unauthorized without a token', async () => {
    const response = await call(`${publicUrl}/v1/items/1`);

    expect(response.status).toBe(401);
    expect(response.json()).toEqual({ message: 'Unauthorized' });
    expect(events).toHaveLength(0);
  });

  it('answers 401 Unauthorized for a token of another audience', async () => {
    const response = await call(`${publicUrl}/v1/items/1`, {
      headers: { authorization: `Bearer ${await token({}, 'someone-else')}` },
    });

    expect(response.status).toBe(401);
  });

  it('answers 401 Unauthorized for a malformed token', async () => {
    const response = await call(`${publicUrl}/v1/items/1`, {
      headers: { authorization: 'Bearer not.a.jwt' },
    });

    expect(response.status).toBe(401);
  });

  it('passes the JWT claims as strings to the function', async () => {
    const response = await call(`${publicUrl}/v1/items/1`, {
      headers: { authorization: `Bearer ${await token({ account_id: 'acct-1', level: 3 })}` },
    });

    expect(response.status).toBe(200);
    expect(events[0]?.requestContext.authorizer.jwt.claims).toMatchObject({
      sub: 'user-1',
      account_id: 'acct-1',
      level: '3',
      iss: ISSUER,
    });
    expect(events[0]?.pathParameters).toEqual({ id: '1' });
  });

  it('answers 500 Internal Server Error when the function fails', async () => {
    const response = await call(`${publicUrl}/v1/public/fail`);

    expect(response.status).toBe(500);
    expect(response.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('answers 503 Service Unavailable when the integration times out', async () => {
    const response = await call(`${publicUrl}/v1/slow`);

    expect(response.status).toBe(503);
    expect(response.json()).toEqual({ message: 'Service Unavailable' });
  });

  it('answers 413 for a body above 10 MB', async () => {
    const response = await call(`${publicUrl}/v1/public/big`, {
      method: 'POST',
      body: Buffer.alloc(10 * 1024 * 1024 + 1),
    });

    expect(response.status).toBe(413);
  });

  it('answers a CORS preflight from the API configuration', async () => {
    const response = await call(`${publicUrl}/v1/items/1`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
    });

    expect(response.status).toBe(204);
    expect(response.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-methods': 'GET,POST',
      'access-control-allow-headers': 'authorization,content-type',
      'access-control-max-age': '600',
    });
    expect(events).toHaveLength(0);
  });

  it('adds CORS headers to responses for an allowed origin', async () => {
    const response = await call(`${publicUrl}/v1/public/x`, { headers: { origin: 'https://app.example' } });

    expect(response.headers['access-control-allow-origin']).toBe('https://app.example');
  });

  it('writes an access log line per request', async () => {
    const response = await call(`${publicUrl}/v1/public/x`);

    expect(log.lines).toContainEqual({
      level: 'info',
      message: 'http api request',
      fields: expect.objectContaining({
        method: 'GET',
        path: '/v1/public/x',
        status: 200,
        requestId: response.headers['apigw-requestid'],
        latencyMs: expect.any(Number),
      }),
    });
  });

  it('tells onRequest of each request, without its credentials', async () => {
    accesses.length = 0;
    const response = await call(`${publicUrl}/v1/public/x?q=1`, {
      headers: { authorization: 'Bearer secret', cookie: 'c=1', 'x-correlation-id': 'corr-1' },
    });

    expect(accesses).toEqual([
      {
        at: expect.any(String),
        api: 'PublicApi',
        requestId: response.headers['apigw-requestid'],
        method: 'GET',
        path: '/v1/public/x',
        routeKey: expect.any(String),
        status: 200,
        latencyMs: expect.any(Number),
        headers: expect.objectContaining({ 'x-correlation-id': 'corr-1' }),
      },
    ]);
    expect(accesses[0]?.headers).not.toHaveProperty('authorization');
    expect(accesses[0]?.headers).not.toHaveProperty('cookie');
  });

  describe('AWS_IAM routes', () => {
    const signedBy = (functionName: string) => ({
      ...identities.credentialsFor(functionName),
      service: 'execute-api',
    });

    it('lets a function whose policy grants the route call it, with its IAM identity', async () => {
      const response = await call(`${internalUrl}/accounts/acct-1`, { sign: signedBy('Caller') });

      expect(response.status).toBe(200);
      expect(iamEvent(0).requestContext.authorizer.iam).toMatchObject({
        accessKey: identities.credentialsFor('Caller').accessKeyId,
        accountId: '000000000000',
        userArn: 'arn:aws:sts::000000000000:assumed-role/CallerRole/Caller',
      });
    });

    it('accepts a request signed as the internal API client sends it with fetch', async () => {
      const url = new URL(`${internalUrl}/accounts/acct%201?view=full%20profile`);
      const signer = new SignatureV4({
        credentials: identities.credentialsFor('Caller'),
        region: 'us-east-1',
        service: 'execute-api',
        sha256: Sha256,
      });
      const signed = await signer.sign({
        method: 'GET',
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: { host: url.host, accept: 'application/json', 'x-correlation-id': 'corr-1' },
      });

      const response = await fetch(url, { headers: signed.headers });

      expect(response.status).toBe(200);
      expect(events[0]?.pathParameters).toEqual({ accountId: 'acct 1' });
    });

    it('answers 403 Forbidden to a function whose policy lacks the route', async () => {
      const response = await call(`${internalUrl}/accounts/acct-1`, { sign: signedBy('Other') });

      expect(response.status).toBe(403);
      expect(response.json()).toEqual({ message: 'Forbidden' });
      expect(events).toHaveLength(0);
    });

    it('answers 403 Forbidden to an unsigned request', async () => {
      const response = await call(`${internalUrl}/accounts/acct-1`);

      expect(response.status).toBe(403);
    });

    it('answers 403 Forbidden when a function key signs with a wrong secret', async () => {
      const { accessKeyId } = identities.credentialsFor('Caller');

      const response = await call(`${internalUrl}/accounts/acct-1`, {
        sign: { accessKeyId, secretAccessKey: 'wrong', service: 'execute-api' },
      });

      expect(response.status).toBe(403);
    });

    it('lets an unknown (administrator) key call any route', async () => {
      const response = await call(`${internalUrl}/accounts/acct-1`, {
        sign: { accessKeyId: 'AKIADEVELOPER', secretAccessKey: 'anything', service: 'execute-api' },
      });

      expect(response.status).toBe(200);
    });
  });
});
