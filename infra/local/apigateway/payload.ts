import { randomBytes } from 'node:crypto';

/** What the gateway knows of one incoming request. */
export interface GatewayRequest {
  method: string;
  rawPath: string;
  rawQueryString: string;
  /** Lowercase names; each value list in arrival order. */
  headers: Record<string, string[]>;
  body: Buffer;
  sourceIp: string;
}

export type AuthorizerContext =
  | { jwt: { claims: Record<string, string>; scopes: string[] | null } }
  | {
      iam: {
        accessKey: string;
        accountId: string;
        callerId: string;
        cognitoIdentity: null;
        principalOrgId: string | null;
        userArn: string;
        userId: string;
      };
    };

export interface EventContext {
  routeKey: string;
  apiId: string;
  accountId: string;
  stage: string;
  requestId: string;
  now: Date;
  pathParameters: Record<string, string>;
  stageVariables: Record<string, string> | undefined;
  authorizer: AuthorizerContext | undefined;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const TEXT_TYPE =
  /^(text\/|application\/(json|javascript|xml|x-www-form-urlencoded|graphql)\b)|\+(json|xml)\b/i;

/** A request id shaped like API Gateway's (`JKJaXmPLvHcESHA=`). */
export function newRequestId(): string {
  return randomBytes(10).toString('base64');
}

/** Formats a date as API Gateway's `requestContext.time` (`12/Mar/2020:19:03:58 +0000`). */
export function formatRequestTime(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

function isText(contentType: string | undefined, body: Buffer): boolean {
  if (contentType) return TEXT_TYPE.test(contentType.trim());
  // Without a content type the body is passed as text only if it is valid UTF-8.
  return Buffer.from(body.toString('utf8'), 'utf8').equals(body);
}

function decodeQueryComponent(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/** Flattens claims as API Gateway does for JWT authorizers: every value becomes a string. */
export function flattenClaims(claims: Record<string, unknown>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (value === undefined || value === null) continue;
    if (typeof value === 'string') flat[name] = value;
    else if (Array.isArray(value))
      flat[name] =
        `[${value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(' ')}]`;
    else if (typeof value === 'object') flat[name] = JSON.stringify(value);
    else flat[name] = String(value);
  }
  return flat;
}

/** Builds the Lambda event of payload format 2.0 exactly as API Gateway HTTP APIs do. */
export function buildEventV2(request: GatewayRequest, context: EventContext): Record<string, unknown> {
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, values] of Object.entries(request.headers)) {
    if (name === 'cookie') {
      cookies = values
        .flatMap((value) => value.split(';'))
        .map((cookie) => cookie.trim())
        .filter(Boolean);
      continue;
    }
    headers[name] = values.join(',');
  }
  const host = headers.host ?? '';
  const domainName = host.replace(/:\d+$/, '');
  const queryStringParameters: Record<string, string> = {};
  for (const pair of request.rawQueryString.split('&')) {
    if (!pair) continue;
    const index = pair.indexOf('=');
    const key = decodeQueryComponent(index < 0 ? pair : pair.slice(0, index));
    const value = index < 0 ? '' : decodeQueryComponent(pair.slice(index + 1));
    queryStringParameters[key] =
      key in queryStringParameters ? `${queryStringParameters[key]},${value}` : value;
  }

  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey: context.routeKey,
    rawPath: request.rawPath,
    rawQueryString: request.rawQueryString,
  };
  if (cookies?.length) event.cookies = cookies;
  event.headers = headers;
  if (Object.keys(queryStringParameters).length) event.queryStringParameters = queryStringParameters;
  const requestContext: Record<string, unknown> = {
    accountId: context.accountId,
    apiId: context.apiId,
  };
  if (context.authorizer) requestContext.authorizer = context.authorizer;
  Object.assign(requestContext, {
    domainName,
    domainPrefix: domainName.split('.')[0] ?? domainName,
    http: {
      method: request.method,
      path: request.rawPath,
      protocol: 'HTTP/1.1',
      sourceIp: request.sourceIp,
      userAgent: headers['user-agent'] ?? '',
    },
    requestId: context.requestId,
    routeKey: context.routeKey,
    stage: context.stage,
    time: formatRequestTime(context.now),
    timeEpoch: context.now.getTime(),
  });
  event.requestContext = requestContext;
  if (request.body.length) {
    const text = isText(headers['content-type'], request.body);
    event.body = text ? request.body.toString('utf8') : request.body.toString('base64');
    event.isBase64Encoded = !text;
  } else {
    event.isBase64Encoded = false;
  }
  if (Object.keys(context.pathParameters).length) event.pathParameters = context.pathParameters;
  if (context.stageVariables && Object.keys(context.stageVariables).length) {
    event.stageVariables = context.stageVariables;
  }
  return event;
}

/** The HTTP response a gateway sends back. */
export interface GatewayResponse {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

/** A function result that payload format 2.0 cannot turn into an HTTP response. */
export class MalformedResponseError extends Error {
  override name = 'MalformedResponseError';
}

/** Maps a function's result to an HTTP response as payload format 2.0 does. */
export function mapResponseV2(payload: unknown): GatewayResponse {
  const structured =
    typeof payload === 'object' && payload !== null && !Array.isArray(payload) && 'statusCode' in payload;
  if (!structured) {
    // A result without statusCode is taken as the JSON body of a 200.
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      cookies: [],
      body: Buffer.from(JSON.stringify(payload ?? null), 'utf8'),
    };
  }
  const result = payload as Record<string, unknown>;
  const statusCode = Number(result.statusCode);
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    throw new MalformedResponseError(`statusCode ${String(result.statusCode)} is not an HTTP status`);
  }
  const headers: Record<string, string> = {};
  if (result.headers !== undefined && result.headers !== null) {
    if (typeof result.headers !== 'object') throw new MalformedResponseError('headers must be an object');
    for (const [name, value] of Object.entries(result.headers)) {
      if (value === undefined || value === null) continue;
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : String(value);
    }
  }
  const cookies = Array.isArray(result.cookies) ? result.cookies.map(String) : [];
  let body = Buffer.alloc(0);
  if (result.body !== undefined && result.body !== null) {
    const text = typeof result.body === 'string' ? result.body : JSON.stringify(result.body);
    body = result.isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  }
  return { statusCode, headers, cookies, body };
}
