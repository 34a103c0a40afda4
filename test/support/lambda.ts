import { randomUUID } from 'node:crypto';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import type { ApiEvent } from '../../shared/http.ts';

/** A Lambda context whose remaining time counts down from `timeoutMs`. */
export function lambdaContext(timeoutMs = 30_000, functionName = 'test-function'): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Options of a payload-format-2.0 HTTP API event. */
export interface ApiEventOptions {
  method?: string;
  path?: string;
  routeKey?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  pathParameters?: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  /** JWT claims (public routes); omit for IAM routes. */
  claims?: Record<string, string>;
}

/** An HTTP API (payload format 2.0) event as API Gateway sends it. */
export function apiEvent(options: ApiEventOptions = {}): ApiEvent {
  const method = options.method ?? 'GET';
  const path = options.path ?? '/';
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const headers: Record<string, string> = {
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...options.headers,
  };
  return {
    version: '2.0',
    routeKey: options.routeKey ?? `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(options.queryStringParameters ?? {}).toString(),
    headers,
    queryStringParameters: options.queryStringParameters,
    pathParameters: options.pathParameters,
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: randomUUID(),
      routeKey: options.routeKey ?? `${method} ${path}`,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
      ...(options.claims ? { authorizer: { jwt: { claims: options.claims, scopes: [] } } } : {}),
    },
  } as ApiEvent;
}

/** Claims of a caller acting for `accountId`. */
export function claimsFor(accountId: string, sub = `user-${accountId}`): Record<string, string> {
  return { sub, account_id: accountId };
}

/** An SQS record as the event source mapping delivers it. */
export function sqsRecord(
  body: unknown,
  options: {
    messageId?: string;
    attributes?: Record<string, string>;
    groupId?: string;
    receiveCount?: number;
  } = {},
): SQSRecord {
  return {
    messageId: options.messageId ?? randomUUID(),
    receiptHandle: randomUUID(),
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDATEST',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      ...(options.groupId
        ? { MessageGroupId: options.groupId, MessageDeduplicationId: randomUUID(), SequenceNumber: '1' }
        : {}),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(options.attributes ?? {}).map(([key, value]) => [
        key,
        { stringValue: value, dataType: 'String', stringListValues: [], binaryListValues: [] },
      ]),
    ),
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:test-queue',
    awsRegion: 'us-east-1',
  };
}

/** An SQS event of the given records. */
export function sqsEvent(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}
