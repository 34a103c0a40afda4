import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createIdentityRegistry } from '../auth/identities.ts';
import { call, lambdaFunction, policy, recordingLogger, role, stackOf } from '../auth/test-support.ts';
import type { CallerIdentity, InvokeResult, LambdaInvoker } from '../model.ts';
import { createEdge, type Edge } from './edge.ts';

const ORDERS = 'arn:aws:dynamodb:us-east-1:000000000000:table/Orders';
const ADMIN = { accessKeyId: 'AKIADEVELOPER', secretAccessKey: 'developer-secret' };

const stack = stackOf([
  role('WriterRole'),
  policy(
    'WriterPolicy',
    ['WriterRole'],
    [
      { Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:GetItem'], Resource: [ORDERS] },
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:000000000000:allowed' },
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: 'arn:aws:lambda:us-east-1:000000000000:function:Target',
      },
    ],
  ),
  role('TargetRole'),
  lambdaFunction('Writer', 'WriterRole'),
  lambdaFunction('Target', 'TargetRole'),
]);

interface Captured {
  headers: IncomingHttpHeaders;
  body: string;
  url: string | undefined;
}

describe('createEdge', () => {
  const identities = createIdentityRegistry(stack, { secretSeed: 'test' });
  const writer = identities.credentialsFor('Writer');
  const log = recordingLogger();
  const dynamodbRequests: Captured[] = [];
  const eventCalls: Array<{ operation: string; body: unknown; caller: CallerIdentity }> = [];
  const invocations: Array<{ ref: string; event: unknown; type: string | undefined }> = [];
  let upstream: Server;
  let fauxqs: FauxqsServer;
  let edge: Edge;

  const lambda: LambdaInvoker = {
    async invoke(ref, event, options): Promise<InvokeResult> {
      invocations.push({ ref, event, type: options?.invocationType });
      if ((event as { fail?: boolean }).fail)
        return { ok: false, errorType: 'TypeError', errorMessage: 'bad input' };
      return { ok: true, payload: { echoed: event } };
    },
  };

  beforeAll(async () => {
    upstream = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        dynamodbRequests.push({
          headers: request.headers,
          body: Buffer.concat(chunks).toString(),
          url: request.url,
        });
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        response.end('{}');
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    fauxqs = await startFauxqs({ port: 0, logger: false });
    const queues = new Map(
      ['allowed', 'forbidden'].map((name) => [name, fauxqs.createQueue(name).queueUrl] as const),
    );
    edge = await createEdge({
      port: 0,
      dynamodbUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      sqsUrl: fauxqs.address,
      events: {
        async handle(operation, body, caller) {
          eventCalls.push({ operation, body, caller });
          return { status: 200, body: { FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] } };
        },
      },
      lambda,
      identities,
      log,
      rewriteSqsQueueUrl: (url) => queues.get(url.split('/').pop() ?? '') ?? url,
    });
  });
  afterAll(async () => {
    await edge.close();
    await fauxqs.stop();
    await new Promise((resolve) => upstream.close(resolve));
  });
  beforeEach(() => {
    dynamodbRequests.length = 0;
    eventCalls.length = 0;
    invocations.length = 0;
  });

  const clientConfig = (credentials: { accessKeyId: string; secretAccessKey: string }) => ({
    endpoint: edge.url,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
  });
  const putItem = (table: string) =>
    new PutItemCommand({ TableName: table, Item: { pk: { S: 'a' }, sk: { S: 'b' } } });

  it('answers its health check', async () => {
    const response = await call(`${edge.url}/health`);

    expect(response.status).toBe(200);
  });

  it('proxies a DynamoDB request to DynamoDB Local with its target and body', async () => {
    const client = new DynamoDBClient(clientConfig(ADMIN));

    await client.send(putItem('Anything'));

    expect(dynamodbRequests).toHaveLength(1);
    expect(dynamodbRequests[0]?.headers['x-amz-target']).toBe('DynamoDB_20120810.PutItem');
    expect(JSON.parse(dynamodbRequests[0]?.body ?? '')).toMatchObject({ TableName: 'Anything' });
  });

  it('lets a function put an item into a table its policy grants', async () => {
    const client = new DynamoDBClient(clientConfig(writer));

    await client.send(putItem('Orders'));

    expect(dynamodbRequests).toHaveLength(1);
  });

  it('denies a function dynamodb:PutItem on a table outside its policy', async () => {
    const client = new DynamoDBClient(clientConfig(writer));

    const failure = await client.send(putItem('Payments')).catch((error: unknown) => error);

    expect(failure).toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining(
        'assumed-role/WriterRole/Writer is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/Payments',
      ),
    });
    expect(dynamodbRequests).toHaveLength(0);
  });

  it('rejects a function key signed with the wrong secret', async () => {
    const client = new DynamoDBClient(clientConfig({ ...writer, secretAccessKey: 'not-the-secret' }));

    const failure = await client.send(putItem('Orders')).catch((error: unknown) => error);

    expect(failure).toMatchObject({ name: 'InvalidSignatureException' });
    expect(dynamodbRequests).toHaveLength(0);
  });

  it('dispatches an EventBridge request to the events handler with the calling function', async () => {
    const client = new EventBridgeClient(clientConfig(writer));

    const output = await client.send(
      new PutEventsCommand({ Entries: [{ Source: 'test.source', DetailType: 'Thing', Detail: '{}' }] }),
    );

    expect(output.FailedEntryCount).toBe(0);
    expect(eventCalls).toEqual([
      {
        operation: 'PutEvents',
        body: { Entries: [{ Source: 'test.source', DetailType: 'Thing', Detail: '{}' }] },
        caller: expect.objectContaining({ kind: 'function', functionName: 'Writer' }),
      },
    ]);
  });

  it('passes an administrator caller to the events handler for an unknown key', async () => {
    const client = new EventBridgeClient(clientConfig(ADMIN));

    await client.send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }] }));

    expect(eventCalls[0]?.caller).toEqual({ kind: 'admin', accessKeyId: ADMIN.accessKeyId });
  });

  it('sends a function message to a queue its policy grants, through the SQS emulator', async () => {
    const client = new SQSClient(clientConfig(writer));

    const output = await client.send(
      new SendMessageCommand({ QueueUrl: `${edge.url}/000000000000/allowed`, MessageBody: 'hello' }),
    );

    expect(output.MessageId).toEqual(expect.any(String));
  });

  it('denies a function sqs:SendMessage on a queue outside its policy', async () => {
    const client = new SQSClient(clientConfig(writer));

    const failure = await client
      .send(new SendMessageCommand({ QueueUrl: `${edge.url}/000000000000/forbidden`, MessageBody: 'x' }))
      .catch((error: unknown) => error);

    // The SDK names SQS errors by their query-compatible code, as it does against AWS.
    expect(failure).toMatchObject({
      name: 'AccessDenied',
      message: expect.stringContaining('sqs:SendMessage'),
    });
  });

  it('answers queue URLs in the edge form', async () => {
    const client = new SQSClient(clientConfig(ADMIN));

    const output = await client.send(new GetQueueUrlCommand({ QueueName: 'allowed' }));

    expect(output.QueueUrl).toBe(`${edge.url}/000000000000/allowed`);
  });

  describe('Lambda invoke', () => {
    const invoke = (
      name: string,
      payload: unknown,
      headers: Record<string, string> = {},
      credentials = writer,
    ) =>
      call(`${edge.url}/2015-03-31/functions/${name}/invocations`, {
        method: 'POST',
        headers,
        body: JSON.stringify(payload),
        sign: { ...credentials, service: 'lambda' },
      });

    it('returns the function result of a RequestResponse invocation', async () => {
      const response = await invoke('Target', { n: 1 });

      expect(response.status).toBe(200);
      expect(response.json()).toEqual({ echoed: { n: 1 } });
      expect(invocations[0]).toMatchObject({ ref: 'Target', type: 'RequestResponse' });
    });

    it('marks a failed invocation with X-Amz-Function-Error', async () => {
      const response = await invoke('Target', { fail: true });

      expect(response.status).toBe(200);
      expect(response.headers['x-amz-function-error']).toBe('Unhandled');
      expect(response.json()).toMatchObject({ errorType: 'TypeError', errorMessage: 'bad input' });
    });

    it('queues an Event invocation and answers 202', async () => {
      const response = await invoke('Target', { n: 2 }, { 'x-amz-invocation-type': 'Event' });

      expect(response.status).toBe(202);
      expect(invocations[0]).toMatchObject({ type: 'Event' });
    });

    it('answers 204 to a DryRun without invoking', async () => {
      const response = await invoke('Target', {}, { 'x-amz-invocation-type': 'DryRun' });

      expect(response.status).toBe(204);
      expect(invocations).toHaveLength(0);
    });

    it('answers 404 ResourceNotFoundException for an unknown function', async () => {
      const response = await invoke('Missing', {}, {}, ADMIN);

      expect(response.status).toBe(404);
      expect(response.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    });

    it('refuses an unsigned invocation with 403 MissingAuthenticationTokenException, invoking nothing', async () => {
      const response = await call(`${edge.url}/2015-03-31/functions/Target/invocations`, {
        method: 'POST',
        body: '{}',
      });

      expect(response.status).toBe(403);
      expect(response.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');
      expect(response.json()).toMatchObject({ message: 'Missing Authentication Token' });
      expect(invocations).toHaveLength(0);
    });

    it('denies a function lambda:InvokeFunction outside its policy', async () => {
      const response = await invoke('Writer', {});

      expect(response.status).toBe(403);
      expect(response.headers['x-amzn-errortype']).toBe('AccessDeniedException');
    });
  });

  it('answers 400 UnknownOperationException for a target it does not serve', async () => {
    const response = await call(edge.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'Kinesis_20131202.PutRecord', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
      sign: { ...ADMIN, service: 'kinesis' },
    });

    expect(response.status).toBe(400);
    expect(response.text).toContain('UnknownOperationException');
    expect(response.text).toContain('Kinesis_20131202.PutRecord');
  });
});
