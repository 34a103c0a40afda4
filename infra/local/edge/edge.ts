import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAllowed } from '../auth/iam.ts';
import { type IdentityRegistry, principalArnOf } from '../auth/identities.ts';
import { verifySigV4 } from '../auth/sigv4.ts';
import type { CallerIdentity, LambdaInvoker, LocalLogger } from '../model.ts';
import { BodyTooLargeError, readBody, sendJson, splitTarget } from './http.ts';
import { type AccessCheck, dynamodbChecks, sqsChecks } from './resources.ts';

/** The EventBridge part of the local cloud, as the edge sees it. */
export interface EventsHandler {
  handle(
    operation: string,
    body: unknown,
    caller: CallerIdentity,
  ): Promise<{ status: number; body: unknown }>;
}

export interface EdgeOptions {
  port: number;
  host?: string;
  dynamodbUrl: string;
  sqsUrl: string;
  events: EventsHandler;
  lambda: LambdaInvoker;
  identities: IdentityRegistry;
  log: LocalLogger;
  /** Maps a queue URL as clients know it to the one the SQS emulator knows. */
  rewriteSqsQueueUrl?: (url: string) => string;
  /** The local-only control plane, answered under `/_local/` without a signature (the edge listens on 127.0.0.1). */
  admin?: { handle(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> };
}

export interface Edge {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 20 * 1024 * 1024;
const DYNAMODB_JSON = 'application/x-amz-json-1.0';
const EVENTS_JSON = 'application/x-amz-json-1.1';
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'expect',
  'upgrade',
]);

type Service = 'dynamodb' | 'sqs' | 'events' | 'lambda';

interface Routed {
  service: Service;
  operation: string;
  functionName?: string;
}

class EdgeError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EdgeError';
  }
}

function route(method: string, rawPath: string, headers: IncomingHttpHeaders): Routed | undefined {
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

function errorBody(
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

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new EdgeError(400, 'SerializationException', 'The request body is not valid JSON');
  }
}

function forwardHeaders(incoming: IncomingMessage, length: number): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  headers['content-length'] = String(length);
  return headers;
}

/** Serves the AWS APIs of the local cloud (DynamoDB, SQS, EventBridge, Lambda) on one endpoint, as AWS edges do. */
export async function createEdge(options: EdgeOptions): Promise<Edge> {
  const { identities, log, lambda, events } = options;
  const host = options.host ?? '127.0.0.1';
  const scope = { region: identities.region, accountId: identities.accountId };
  let edgeUrl = '';

  function enforce(caller: CallerIdentity, service: Service, checks: AccessCheck[]): void {
    if (caller.kind !== 'function') return;
    for (const check of checks) {
      if (isAllowed(caller.statements, check.action, check.resource, log)) continue;
      const message =
        `User: ${principalArnOf(caller, scope.accountId)} is not authorized to perform: ${check.action} ` +
        `on resource: ${check.resource} because no identity-based policy allows the ${check.action} action`;
      log.warn('IAM denied', {
        function: caller.functionName,
        action: check.action,
        resource: check.resource,
      });
      throw new EdgeError(service === 'dynamodb' ? 400 : 403, 'AccessDeniedException', message);
    }
  }

  function proxy(
    upstream: string,
    incoming: IncomingMessage,
    body: Buffer,
    outgoing: ServerResponse,
    transform?: (text: string) => string,
  ): Promise<void> {
    const target = new URL(incoming.url ?? '/', upstream);
    return new Promise((resolve, reject) => {
      const upstreamRequest = httpRequest(
        target,
        { method: incoming.method, headers: forwardHeaders(incoming, body.length) },
        (upstreamResponse) => {
          const headers = { ...upstreamResponse.headers };
          if (!transform) {
            outgoing.writeHead(upstreamResponse.statusCode ?? 502, headers);
            upstreamResponse.pipe(outgoing);
            upstreamResponse.on('end', resolve);
            upstreamResponse.on('error', reject);
            return;
          }
          const chunks: Buffer[] = [];
          upstreamResponse.on('data', (chunk: Buffer) => chunks.push(chunk));
          upstreamResponse.on('error', reject);
          upstreamResponse.on('end', () => {
            const text = transform(Buffer.concat(chunks).toString('utf8'));
            delete headers['transfer-encoding'];
            headers['content-length'] = String(Buffer.byteLength(text));
            outgoing.writeHead(upstreamResponse.statusCode ?? 502, headers);
            outgoing.end(text);
            resolve();
          });
        },
      );
      upstreamRequest.on('error', (error) =>
        reject(
          new EdgeError(503, 'ServiceUnavailableException', `Upstream ${upstream} failed: ${error.message}`),
        ),
      );
      upstreamRequest.end(body);
    });
  }

  /** Queue URLs come back from the emulator in its own form; clients see the edge's. */
  function publicQueueUrl(url: string): string {
    try {
      const segments = new URL(url).pathname.split('/').filter(Boolean).slice(-2);
      return segments.length === 2 ? `${edgeUrl}/${segments.join('/')}` : url;
    } catch {
      return url;
    }
  }

  async function handleSqs(
    operation: string,
    caller: CallerIdentity,
    incoming: IncomingMessage,
    body: Buffer,
    outgoing: ServerResponse,
  ): Promise<void> {
    const input = parseJson(body) as Record<string, unknown>;
    enforce(caller, 'sqs', sqsChecks(operation, input, scope));
    let forwarded = body;
    if (options.rewriteSqsQueueUrl && typeof input.QueueUrl === 'string') {
      forwarded = Buffer.from(
        JSON.stringify({ ...input, QueueUrl: options.rewriteSqsQueueUrl(input.QueueUrl) }),
      );
    }
    const rewritesUrls = ['CreateQueue', 'GetQueueUrl', 'ListQueues', 'ListDeadLetterSourceQueues'].includes(
      operation,
    );
    await proxy(
      options.sqsUrl,
      incoming,
      forwarded,
      outgoing,
      rewritesUrls
        ? (text) => {
            try {
              const output = JSON.parse(text) as {
                QueueUrl?: unknown;
                queueUrls?: unknown;
                QueueUrls?: unknown;
              };
              if (typeof output.QueueUrl === 'string') output.QueueUrl = publicQueueUrl(output.QueueUrl);
              if (Array.isArray(output.QueueUrls))
                output.QueueUrls = output.QueueUrls.map(String).map(publicQueueUrl);
              if (Array.isArray(output.queueUrls))
                output.queueUrls = output.queueUrls.map(String).map(publicQueueUrl);
              return JSON.stringify(output);
            } catch {
              return text;
            }
          }
        : undefined,
    );
  }

  async function handleLambda(
    functionName: string,
    caller: CallerIdentity,
    incoming: IncomingMessage,
    body: Buffer,
    outgoing: ServerResponse,
  ): Promise<void> {
    const fn = identities.findFunction(functionName);
    if (!fn) {
      const arn = functionName.startsWith('arn:')
        ? functionName
        : `arn:aws:lambda:${scope.region}:${scope.accountId}:function:${functionName}`;
      throw new EdgeError(404, 'ResourceNotFoundException', `Function not found: ${arn}`);
    }
    enforce(caller, 'lambda', [{ action: 'lambda:InvokeFunction', resource: fn.arn }]);
    const invocationType = String(incoming.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    let event: unknown;
    try {
      event = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      throw new EdgeError(400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }
    const versionHeader = { 'x-amz-executed-version': '$LATEST' };
    if (invocationType === 'DryRun') {
      outgoing.writeHead(204, versionHeader);
      outgoing.end();
      return;
    }
    if (invocationType === 'Event') {
      await lambda.invoke(fn.functionName, event, { invocationType: 'Event' });
      outgoing.writeHead(202, { 'content-length': '0' });
      outgoing.end();
      return;
    }
    if (invocationType !== 'RequestResponse') {
      throw new EdgeError(
        400,
        'InvalidParameterValueException',
        `Unsupported invocation type ${invocationType}`,
      );
    }
    const result = await lambda.invoke(fn.functionName, event, { invocationType: 'RequestResponse' });
    if (result.ok) {
      sendJson(outgoing, 200, result.payload ?? null, versionHeader);
      return;
    }
    sendJson(
      outgoing,
      200,
      { errorType: result.errorType, errorMessage: result.errorMessage, trace: [] },
      { ...versionHeader, 'x-amz-function-error': 'Unhandled' },
    );
  }

  async function handle(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const method = (incoming.method ?? 'GET').toUpperCase();
    const { rawPath, rawQuery } = splitTarget(incoming.url);
    if (method === 'GET' && rawPath === '/health') {
      sendJson(outgoing, 200, { status: 'ok' });
      return;
    }
    if (options.admin && (rawPath === '/_local' || rawPath.startsWith('/_local/'))) {
      await options.admin.handle(incoming, outgoing);
      return;
    }
    const routed = route(method, rawPath, incoming.headers);
    let service: Service = routed?.service ?? 'events';
    try {
      const body = await readBody(incoming, MAX_BODY_BYTES).catch((error: unknown) => {
        if (error instanceof BodyTooLargeError)
          throw new EdgeError(413, 'RequestEntityTooLargeException', error.message);
        throw error;
      });
      if (!routed) {
        const form = String(incoming.headers['content-type'] ?? '').includes('x-www-form-urlencoded');
        const action = form ? new URLSearchParams(body.toString('utf8')).get('Action') : null;
        throw new EdgeError(
          400,
          'UnknownOperationException',
          action
            ? `Query-protocol action ${action} is not supported by the local edge; use an AWS SDK or AWS CLI v2 recent enough to speak the JSON protocol`
            : `No local service handles ${method} ${rawPath}${incoming.headers['x-amz-target'] ? ` with X-Amz-Target ${String(incoming.headers['x-amz-target'])}` : ''}`,
        );
      }
      service = routed.service;
      const signature = await verifySigV4(
        { method, path: rawPath, rawQuery, headers: incoming.headers, body },
        (accessKeyId) => identities.secretFor(accessKeyId),
      );
      if (!signature.ok) {
        const code =
          signature.reason === 'missing'
            ? 'MissingAuthenticationTokenException'
            : signature.reason === 'expired'
              ? 'InvalidSignatureException'
              : signature.reason === 'malformed'
                ? 'IncompleteSignatureException'
                : 'InvalidSignatureException';
        throw new EdgeError(service === 'lambda' ? 403 : 400, code, signature.message);
      }
      const caller: CallerIdentity = identities.identify(signature.accessKeyId) ?? {
        kind: 'admin',
        accessKeyId: signature.accessKeyId,
      };
      switch (routed.service) {
        case 'dynamodb': {
          // Only a function's request is read: an administrator's goes to DynamoDB Local untouched.
          if (caller.kind === 'function') {
            enforce(caller, 'dynamodb', dynamodbChecks(routed.operation, parseJson(body), scope));
          }
          await proxy(options.dynamodbUrl, incoming, body, outgoing);
          return;
        }
        case 'sqs':
          await handleSqs(routed.operation, caller, incoming, body, outgoing);
          return;
        case 'events': {
          const result = await events.handle(routed.operation, parseJson(body), caller);
          sendJson(outgoing, result.status, result.body, {}, EVENTS_JSON);
          return;
        }
        case 'lambda':
          await handleLambda(routed.functionName ?? '', caller, incoming, body, outgoing);
          return;
      }
    } catch (error) {
      const known =
        error instanceof EdgeError
          ? error
          : new EdgeError(500, 'InternalFailure', error instanceof Error ? error.message : String(error));
      if (!(error instanceof EdgeError)) log.error('Edge request failed', { service, error: String(error) });
      if (outgoing.headersSent) {
        outgoing.destroy();
        return;
      }
      const { body, headers } = errorBody(service, known.code, known.message);
      sendJson(outgoing, known.status, body, headers, headers['content-type']);
    }
  }

  const server = createServer((incoming, outgoing) => {
    handle(incoming, outgoing).catch((error: unknown) => {
      log.error('Edge handler crashed', { error: String(error) });
      if (!outgoing.headersSent) outgoing.writeHead(500);
      outgoing.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  edgeUrl = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    url: edgeUrl,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
