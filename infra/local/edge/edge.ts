// The edge (docs/architecture.md §6, "Edge"): one endpoint for the AWS APIs of the local cloud
// (DynamoDB, SQS, EventBridge, Lambda), each request SigV4-checked and, for a function, IAM-checked,
// plus the admin API mounted under `/_local/` and a health check.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IdentityRegistry } from '../auth/identities.ts';
import { verifySigV4 } from '../auth/sigv4.ts';
import type { EdgeMeter } from '../metering/index.ts';
import type { CallerIdentity, LambdaInvoker, LocalLogger } from '../model.ts';
import { createEnforcer } from './access.ts';
import { type AdminHandler, isAdminPath, mountAdmin } from './admin-mount.ts';
import {
  EdgeError,
  EVENTS_JSON,
  errorBody,
  parseJson,
  route,
  type Service,
  signatureError,
  unknownOperation,
} from './aws-protocol.ts';
import { BodyTooLargeError, keepConnections, readBody, sendJson, splitTarget } from './http.ts';
import { handleLambdaInvoke } from './lambda-invoke.ts';
import { dynamodbChecks } from './resources.ts';
import { handleSqs } from './sqs.ts';
import { proxy } from './upstream.ts';

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
  /**
   * The local-only control plane, answered under `/_local/` without a signature (the edge listens on
   * 127.0.0.1), behind the origin and content-type guard of `admin-mount.ts`.
   */
  admin?: AdminHandler;
  /** Counts what AWS would bill for the DynamoDB and SQS calls (metering/). */
  meter?: EdgeMeter;
}

export interface Edge {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 20 * 1024 * 1024;

/** Serves the AWS APIs of the local cloud (DynamoDB, SQS, EventBridge, Lambda) on one endpoint, as AWS edges do. */
export async function createEdge(options: EdgeOptions): Promise<Edge> {
  const { identities, log, lambda, events } = options;
  const host = options.host ?? '127.0.0.1';
  const scope = { region: identities.region, accountId: identities.accountId };
  const enforce = createEnforcer(scope.accountId, log);
  const admin = options.admin ? mountAdmin(options.admin, host) : undefined;
  let edgeUrl = '';

  async function handleAws(
    incoming: IncomingMessage,
    outgoing: ServerResponse,
    method: string,
    rawPath: string,
    rawQuery: string,
  ): Promise<void> {
    const routed = route(method, rawPath, incoming.headers);
    let service: Service = routed?.service ?? 'events';
    try {
      const body = await readBody(incoming, MAX_BODY_BYTES).catch((error: unknown) => {
        if (error instanceof BodyTooLargeError)
          throw new EdgeError(413, 'RequestEntityTooLargeException', error.message);
        throw error;
      });
      if (!routed) throw unknownOperation(method, rawPath, incoming.headers, body);
      service = routed.service;
      const signature = await verifySigV4(
        { method, path: rawPath, rawQuery, headers: incoming.headers, body },
        (accessKeyId) => identities.secretFor(accessKeyId),
      );
      if (!signature.ok) throw signatureError(service, signature);
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
          const metered = options.meter?.dynamodb(routed.operation, body);
          await proxy(options.dynamodbUrl, incoming, metered?.body ?? body, outgoing, metered?.answer);
          return;
        }
        case 'sqs': {
          const forwarding = {
            sqsUrl: options.sqsUrl,
            edgeUrl: () => edgeUrl,
            ...scope,
            enforce,
            ...(options.rewriteSqsQueueUrl ? { rewriteSqsQueueUrl: options.rewriteSqsQueueUrl } : {}),
            ...(options.meter ? { meter: options.meter.sqs } : {}),
          };
          await handleSqs(forwarding, routed.operation, caller, incoming, body, outgoing);
          return;
        }
        case 'events': {
          const result = await events.handle(routed.operation, parseJson(body), caller);
          sendJson(outgoing, result.status, result.body, {}, EVENTS_JSON);
          return;
        }
        case 'lambda':
          await handleLambdaInvoke(
            { identities, lambda, enforce },
            routed.functionName ?? '',
            caller,
            incoming,
            body,
            outgoing,
          );
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

  async function handle(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const method = (incoming.method ?? 'GET').toUpperCase();
    const { rawPath, rawQuery } = splitTarget(incoming.url);
    if (method === 'GET' && rawPath === '/health') {
      sendJson(outgoing, 200, { status: 'ok' });
      return;
    }
    if (admin && isAdminPath(rawPath)) {
      await admin(incoming, outgoing);
      return;
    }
    await handleAws(incoming, outgoing, method, rawPath, rawQuery);
  }

  const server = createServer((incoming, outgoing) => {
    handle(incoming, outgoing).catch((error: unknown) => {
      log.error('Edge handler crashed', { error: String(error) });
      if (!outgoing.headersSent) outgoing.writeHead(500);
      outgoing.end();
    });
  });
  keepConnections(server);
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
