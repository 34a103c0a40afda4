// The AWS wire protocols the edge speaks (docs/architecture.md §6, "Edge"): which service and operation
// a request is for (the JSON protocols' `X-Amz-Target`, Lambda's REST path), and the error each
// service answers with, in the shape its SDK reads.
import type { IncomingHttpHeaders } from 'node:http';
import type { SignatureCheck } from '../auth/sigv4.ts';

export type Service = 'dynamodb' | 'sqs' | 'events' | 'lambda';

export interface Routed {
  service: Service;
  operation: string;
  functionName?: string;
}

export const DYNAMODB_JSON = 'application/x-amz-json-1.0';
export const EVENTS_JSON = 'application/x-amz-json-1.1';
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;

/** An error the edge answers in the protocol of the service the request was for. */
export class EdgeError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EdgeError';
  }
}

/** The service and operation a request is for; undefined when no local service serves it. */
export function route(method: string, rawPath: string, headers: IncomingHttpHeaders): Routed | undefined {
  const target = headers['x-amz-target'];
  if (typeof target === 'string') {
    const [prefix, operation = ''] = target.split('.', 2);
    if (prefix === 'DynamoDB_20120810' || prefix === 'DynamoDBStreams_20120810') {
      return { service: 'dynamodb', operation };
    }
    if (prefix === 'AmazonSQS') return { service: 'sqs', operation };
    if (prefix === 'AWSEvents') return { service: 'events', operation };
    return undefined;
  }
  const invoke = INVOKE_PATH.exec(rawPath);
  if (invoke?.[1] && method === 'POST') {
    return { service: 'lambda', operation: 'Invoke', functionName: decodeURIComponent(invoke[1]) };
  }
  return undefined;
}

/** The error a request no local service serves gets; names the query-protocol action when it is one. */
export function unknownOperation(
  method: string,
  rawPath: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
): EdgeError {
  const form = String(headers['content-type'] ?? '').includes('x-www-form-urlencoded');
  const action = form ? new URLSearchParams(body.toString('utf8')).get('Action') : null;
  const target = headers['x-amz-target'];
  return new EdgeError(
    400,
    'UnknownOperationException',
    action
      ? `Query-protocol action ${action} is not supported by the local edge; use an AWS SDK or AWS CLI v2 recent enough to speak the JSON protocol`
      : `No local service handles ${method} ${rawPath}${target ? ` with X-Amz-Target ${String(target)}` : ''}`,
  );
}

/** The error for a request whose SigV4 signature failed its check, as the service names it. */
export function signatureError(service: Service, failure: Extract<SignatureCheck, { ok: false }>): EdgeError {
  const code =
    failure.reason === 'missing'
      ? 'MissingAuthenticationTokenException'
      : failure.reason === 'malformed'
        ? 'IncompleteSignatureException'
        : 'InvalidSignatureException';
  return new EdgeError(service === 'lambda' ? 403 : 400, code, failure.message);
}

/** The body and headers of an error, in the shape the service's SDK reads. */
export function errorBody(
  service: Service,
  code: string,
  message: string,
): { body: unknown; headers: Record<string, string> } {
  switch (service) {
    case 'dynamodb':
      return {
        body: { __type: `com.amazonaws.dynamodb.v20120810#${code}`, message },
        headers: { 'content-type': DYNAMODB_JSON },
      };
    case 'sqs':
      return {
        body: { __type: `com.amazon.coral.service#${code}`, message },
        headers: {
          'content-type': DYNAMODB_JSON,
          'x-amzn-query-error': `${code.replace(/Exception$/, '')};Sender`,
        },
      };
    case 'events':
      return { body: { __type: code, message }, headers: { 'content-type': EVENTS_JSON } };
    case 'lambda':
      return {
        body: { Type: 'User', Message: message, message },
        headers: { 'content-type': 'application/json', 'x-amzn-errortype': code },
      };
  }
}

/** A JSON request body (an empty one is `{}`); a SerializationException when it is not JSON. */
export function parseJson(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new EdgeError(400, 'SerializationException', 'The request body is not valid JSON');
  }
}
