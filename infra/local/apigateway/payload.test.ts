import { describe, expect, it } from 'vitest';
import {
  buildEventV2,
  type EventContext,
  flattenClaims,
  formatRequestTime,
  mapResponseV2,
} from './payload.ts';

const context: EventContext = {
  routeKey: 'POST /v1/items/{id}',
  apiId: 'api123',
  accountId: '000000000000',
  stage: '$default',
  requestId: 'req-1',
  now: new Date(Date.UTC(2024, 2, 5, 9, 4, 7)),
  pathParameters: { id: '42' },
  stageVariables: undefined,
  authorizer: undefined,
};

describe('buildEventV2', () => {
  it('builds the payload format 2.0 event of a JSON request', () => {
    const event = buildEventV2(
      {
        method: 'POST',
        rawPath: '/v1/items/42',
        rawQueryString: 'a=1&a=2&b=x%20y',
        headers: {
          host: ['127.0.0.1:3000'],
          'content-type': ['application/json'],
          'x-multi': ['one', 'two'],
          'user-agent': ['curl/8'],
          cookie: ['c1=v1; c2=v2'],
        },
        body: Buffer.from('{"n":1}'),
        sourceIp: '127.0.0.1',
      },
      context,
    );

    expect(event).toEqual({
      version: '2.0',
      routeKey: 'POST /v1/items/{id}',
      rawPath: '/v1/items/42',
      rawQueryString: 'a=1&a=2&b=x%20y',
      cookies: ['c1=v1', 'c2=v2'],
      headers: {
        host: '127.0.0.1:3000',
        'content-type': 'application/json',
        'x-multi': 'one,two',
        'user-agent': 'curl/8',
      },
      queryStringParameters: { a: '1,2', b: 'x y' },
      requestContext: {
        accountId: '000000000000',
        apiId: 'api123',
        domainName: '127.0.0.1',
        domainPrefix: '127',
        http: {
          method: 'POST',
          path: '/v1/items/42',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'curl/8',
        },
        requestId: 'req-1',
        routeKey: 'POST /v1/items/{id}',
        stage: '$default',
        time: '05/Mar/2024:09:04:07 +0000',
        timeEpoch: context.now.getTime(),
      },
      body: '{"n":1}',
      isBase64Encoded: false,
      pathParameters: { id: '42' },
    });
  });

  it('base64-encodes a binary body', () => {
    const bytes = Buffer.from([0xff, 0x00, 0x10]);

    const event = buildEventV2(
      {
        method: 'PUT',
        rawPath: '/f',
        rawQueryString: '',
        headers: { 'content-type': ['application/octet-stream'] },
        body: bytes,
        sourceIp: '127.0.0.1',
      },
      context,
    );

    expect(event).toMatchObject({ body: bytes.toString('base64'), isBase64Encoded: true });
  });
});

describe('flattenClaims', () => {
  it('turns every claim into a string as API Gateway does', () => {
    const flat = flattenClaims({
      sub: 'u',
      exp: 1700000000,
      groups: ['a', 'b'],
      admin: true,
      nested: { k: 1 },
    });

    expect(flat).toEqual({ sub: 'u', exp: '1700000000', groups: '[a b]', admin: 'true', nested: '{"k":1}' });
  });
});

describe('formatRequestTime', () => {
  it('formats as dd/Mon/yyyy:HH:mm:ss +0000', () => {
    expect(formatRequestTime(new Date(Date.UTC(2020, 11, 31, 23, 0, 1)))).toBe('31/Dec/2020:23:00:01 +0000');
  });
});

describe('mapResponseV2', () => {
  it('answers a bare value as a 200 JSON body', () => {
    const response = mapResponseV2({ items: [] });

    expect(response).toMatchObject({ statusCode: 200, headers: { 'content-type': 'application/json' } });
    expect(response.body.toString()).toBe('{"items":[]}');
  });

  it('maps a structured response with cookies and a base64 body', () => {
    const response = mapResponseV2({
      statusCode: 201,
      headers: { 'Content-Type': 'image/png', 'X-Id': 7 },
      cookies: ['a=1'],
      body: Buffer.from('png').toString('base64'),
      isBase64Encoded: true,
    });

    expect(response).toMatchObject({
      statusCode: 201,
      headers: { 'content-type': 'image/png', 'x-id': '7' },
      cookies: ['a=1'],
    });
    expect(response.body.toString()).toBe('png');
  });

  it('refuses a status code that is not HTTP', () => {
    expect(() => mapResponseV2({ statusCode: 'abc' })).toThrow(/not an HTTP status/);
  });
});
