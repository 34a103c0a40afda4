// SQS for the local cloud: fauxqs (an SQS emulator speaking the JSON protocol) embedded in this
// process, with the template's queues, and queue URLs in the local cloud's form.
//
// fauxqs names queues `http://sqs.<region>.<host>[:port]/<account>/<name>` and finds a queue by
// the exact URL. The local cloud's URLs are `<edgeUrl>/<account>/<name>`. So every request's
// `QueueUrl` is rewritten to fauxqs's form, and every URL in an answer back to the edge form: any
// client, through the edge or directly on this endpoint, sees only the local cloud's URLs.
// It also answers the DLQ redrive actions fauxqs lacks (ListDeadLetterSourceQueues,
// StartMessageMoveTask, ListMessageMoveTasks; redrive.ts), so `aws sqs start-message-move-task` works here.
// Its queues' messages are journaled under the state folder and restored on start (durable-queues.ts).
import type { IncomingHttpHeaders } from 'node:http';
import { buildApp } from 'fauxqs';
import type { LocalLogger, QueueSender, ResolvedResource } from '../model.ts';
import { createDurableQueues } from './durable-queues.ts';
import { queueAttributes, tagsOf } from './queue-attributes.ts';
import {
  ACCOUNT_ID,
  INTERNAL_HOST,
  INTERNAL_PREFIX,
  REGION,
  toEdgeUrls,
  toInternalQueueUrl,
} from './queue-urls.ts';
import { createRedriveActions } from './redrive.ts';
import { SqsCallError } from './sqs-call-error.ts';

// Thrown by `call` and `sender`: part of this module's interface.
export { SqsCallError } from './sqs-call-error.ts';

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';

// Actions answered only once their change is on disk: a sent message is a promise to the sender.
const DURABLE_ACTIONS = new Set(['SendMessage', 'SendMessageBatch']);

/** A raw HTTP exchange, for an edge that forwards requests in-process. */
export interface SqsHttpRequest {
  method?: string;
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>;
  body: string;
}

export interface SqsHttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface LocalQueue {
  logicalId: string;
  name: string;
  arn: string;
  /** The local cloud's URL: `<edgeUrl>/000000000000/<name>`. */
  url: string;
}

export interface LocalSqs {
  /** `http://127.0.0.1:<port>`: speaks the SQS JSON protocol, with the local cloud's queue URLs. */
  endpoint: string;
  port: number;
  /** The template's queues, by logical id. */
  queues: Map<string, LocalQueue>;
  /** The URL of a queue given its ARN (undefined when there is none). */
  queueUrlOf(arn: string): string | undefined;
  /** Sends messages by queue ARN (EventBridge targets, Lambda destinations). */
  sender: QueueSender;
  /** Calls an SQS action in-process (`SendMessage`, `ReceiveMessage`, ...), with the JSON protocol's shapes. */
  call<T = Record<string, unknown>>(action: string, input: Record<string, unknown>): Promise<T>;
  /** Answers a raw SQS JSON-protocol HTTP request in-process (for the edge). */
  handle(request: SqsHttpRequest): Promise<SqsHttpResponse>;
  stop(): Promise<void>;
}

export interface StartLocalSqsOptions {
  /** Port of the internal endpoint; 0 picks a free one. */
  port: number;
  /** Base of the queue URLs the app sees, e.g. `http://127.0.0.1:4566`. */
  edgeUrl: string;
  /** The template's resources; its `AWS::SQS::Queue` resources are created. */
  resources: Iterable<ResolvedResource>;
  log: LocalLogger;
  /**
   * Base path of the journal that keeps the queues' messages across restarts (the local cloud gives
   * `<stateDir>/sqs/queues`); without it they live in memory only.
   */
  journalPath?: string;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Starts the embedded SQS emulator, creates the template's queues, and listens on 127.0.0.1. */
export async function startLocalSqs(options: StartLocalSqsOptions): Promise<LocalSqs> {
  const edgeUrl = options.edgeUrl.replace(/\/$/, '');
  const durable = createDurableQueues({
    log: options.log,
    ...(options.journalPath ? { path: options.journalPath } : {}),
  });
  const app = buildApp({ logger: false, host: INTERNAL_HOST, defaultRegion: REGION, stores: durable.stores });

  app.addHook('onRequest', async (request) => {
    const headers = request.raw.headers;
    headers.host = INTERNAL_HOST;
    // fauxqs takes the region from the signature; the local cloud has one region whatever the client says.
    delete headers.authorization;
  });
  app.addHook('preHandler', async (request, reply) => {
    const body = request.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object') return;
    const target = request.headers['x-amz-target'];
    const action = typeof target === 'string' ? target.replace('AmazonSQS.', '') : '';
    const extension = redrive[action as keyof typeof redrive];
    if (extension) {
      reply.header('content-type', JSON_CONTENT_TYPE);
      try {
        return reply.send(await extension(body));
      } catch (error) {
        const failure =
          error instanceof SqsCallError ? error : new SqsCallError('InternalError', String(error), 500);
        return reply
          .status(failure.statusCode)
          .send({ __type: `com.amazonaws.sqs#${failure.code}`, message: failure.message });
      }
    }
    if (typeof body.QueueUrl === 'string') body.QueueUrl = toInternalQueueUrl(body.QueueUrl);
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (!durable.durable || reply.statusCode >= 300) return payload;
    const target = request.headers['x-amz-target'];
    if (typeof target !== 'string' || !DURABLE_ACTIONS.has(target.replace('AmazonSQS.', ''))) return payload;
    try {
      await durable.commit();
      return payload;
    } catch (error) {
      options.log.error('sqs: could not save a sent message', { error: (error as Error).message });
      reply.status(500);
      return JSON.stringify({
        __type: 'com.amazonaws.sqs#InternalError',
        message: `The local SQS could not save the message: ${(error as Error).message}`,
      });
    }
  });
  app.addHook('onSend', async (_request, _reply, payload) =>
    typeof payload === 'string' && payload.includes(INTERNAL_PREFIX) ? toEdgeUrls(payload, edgeUrl) : payload,
  );

  await app.listen({ port: options.port, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;

  const handle = async (request: SqsHttpRequest): Promise<SqsHttpResponse> => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      const text = headerValue(value);
      // The body may have been re-encoded by the caller; let the injector compute its length.
      if (text !== undefined && name.toLowerCase() !== 'content-length') headers[name.toLowerCase()] = text;
    }
    const response = await app.inject({
      method: (request.method ?? 'POST') as 'POST',
      url: '/',
      headers,
      payload: request.body,
    });
    const responseHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined && name !== 'content-length' && name !== 'connection') {
        responseHeaders[name] = Array.isArray(value) ? value.join(', ') : String(value);
      }
    }
    return { statusCode: response.statusCode, headers: responseHeaders, body: response.body };
  };

  const call = async <T>(action: string, input: Record<string, unknown>): Promise<T> => {
    const response = await handle({
      headers: { 'content-type': JSON_CONTENT_TYPE, 'x-amz-target': `AmazonSQS.${action}` },
      body: JSON.stringify(input),
    });
    const parsed = response.body ? (JSON.parse(response.body) as Record<string, unknown>) : {};
    if (response.statusCode >= 300) {
      const type = String(parsed.__type ?? 'InternalError');
      throw new SqsCallError(
        type.slice(type.lastIndexOf('#') + 1),
        String(parsed.message ?? ''),
        response.statusCode,
      );
    }
    return parsed as T;
  };
  const redrive = createRedriveActions(call);

  const queues = new Map<string, LocalQueue>();
  const urlsByArn = new Map<string, string>();
  const templateQueues = [...options.resources].filter((resource) => resource.type === 'AWS::SQS::Queue');
  // Dead-letter queues first, so that each redrive policy names a queue that exists.
  templateQueues.sort(
    (a, b) => Number('RedrivePolicy' in a.properties) - Number('RedrivePolicy' in b.properties),
  );
  try {
    for (const resource of templateQueues) {
      const tags = tagsOf(resource.properties);
      const created = await call<{ QueueUrl: string }>('CreateQueue', {
        QueueName: resource.physicalName,
        Attributes: queueAttributes(resource.properties),
        ...(tags ? { tags } : {}),
      });
      const arn = resource.attributes.Arn ?? `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${resource.physicalName}`;
      queues.set(resource.logicalId, {
        logicalId: resource.logicalId,
        name: resource.physicalName,
        arn,
        url: created.QueueUrl,
      });
      urlsByArn.set(arn, created.QueueUrl);
    }
    durable.restore();
  } catch (error) {
    await app.close();
    throw error;
  }
  if (queues.size > 0)
    options.log.info('sqs queues ready', { queues: [...queues.values()].map((queue) => queue.name) });

  const queueUrlOf = (arn: string) => urlsByArn.get(arn);
  const sender: QueueSender = {
    async sendMessage(queueArn, body, sendOptions = {}) {
      const url = queueUrlOf(queueArn);
      if (!url) throw new SqsCallError('QueueDoesNotExist', `No local queue has ARN ${queueArn}`, 400);
      await call('SendMessage', {
        QueueUrl: url,
        MessageBody: body,
        ...(sendOptions.messageGroupId !== undefined ? { MessageGroupId: sendOptions.messageGroupId } : {}),
        ...(sendOptions.messageDeduplicationId !== undefined
          ? { MessageDeduplicationId: sendOptions.messageDeduplicationId }
          : {}),
        ...(sendOptions.messageAttributes ? { MessageAttributes: sendOptions.messageAttributes } : {}),
      });
    },
  };

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    queues,
    queueUrlOf,
    sender,
    call,
    handle,
    stop: async () => {
      await app.close();
      await durable.close();
    },
  };
}
