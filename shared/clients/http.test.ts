import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand } from '@aws-sdk/client-sns';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer } from '../test-support/http-server.ts';
import { boundedClientConfig, SDK_TIMEOUTS, type SdkTimeouts } from './http.ts';

const servers: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  vi.unstubAllEnvs();
  vi.resetModules();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function server(behaviour: Parameters<typeof startTestServer>[0]) {
  const started = await startTestServer(behaviour);
  servers.push(started);
  return started;
}

function dynamoDbAt(url: string, timeouts: SdkTimeouts) {
  return new DynamoDBClient({
    ...boundedClientConfig(timeouts),
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

const getItem = new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } });

/**
 * The bound under test must outlast the request's way to the server, so that the server has the
 * request when the bound ends it. The first call of a process pays for loading the SDK's signer
 * and HTTP handler; paid once here, half a second leaves a local round trip ample room when busy.
 */
const BOUND_MS = 500;

beforeAll(async () => {
  const warm = await startTestServer('answer');
  const client = dynamoDbAt(warm.url, {
    connectionTimeoutMs: 30_000,
    requestTimeoutMs: 30_000,
    socketTimeoutMs: 30_000,
    maxAttempts: 1,
  });
  // The stand-in answers `{}`, which is a GetItem without an item: only the round trip matters.
  await client.send(getItem);
  client.destroy();
  await warm.close();
});

describe('boundedClientConfig', () => {
  it('abandons a call whose server never answers, after every attempt', async () => {
    const stuck = await server('never-answer');
    // The connection succeeds at once; only the request timeout can end the wait.
    const client = dynamoDbAt(stuck.url, {
      connectionTimeoutMs: 10_000,
      requestTimeoutMs: BOUND_MS,
      socketTimeoutMs: 10_000,
      maxAttempts: 2,
    });

    const call = client.send(getItem);

    await expect(call).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(stuck.requests()).toBe(2);
    client.destroy();
  });

  it('abandons a call whose response body stalls after the headers', async () => {
    const stalling = await server('stall-body');
    // The request timeout ends at the headers; the socket timeout must cover the body.
    const client = dynamoDbAt(stalling.url, {
      connectionTimeoutMs: 10_000,
      requestTimeoutMs: 10_000,
      socketTimeoutMs: BOUND_MS,
      maxAttempts: 2,
    });

    const call = client.send(getItem);

    await expect(call).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(stalling.requests()).toBe(2);
    client.destroy();
  });

  it('gives each client its own handler, so destroying one leaves the others working', () => {
    const first = boundedClientConfig();
    const second = boundedClientConfig();

    expect(first.requestHandler).not.toBe(second.requestHandler);
    expect(first.maxAttempts).toBe(SDK_TIMEOUTS.maxAttempts);
  });
});

describe('the shared SDK clients', () => {
  // Each module client is loaded afresh against a local endpoint. The answer does not matter (not
  // every protocol reads '{}'): after one call the handler reports the configuration it runs with.
  it.each([
    ['dynamodb', async () => (await import('./dynamodb.ts')).documentClient, () => getItem],
    [
      'eventbridge',
      async () => (await import('./eventbridge.ts')).eventBridgeClient,
      () => new PutEventsCommand({ Entries: [] }),
    ],
    [
      'sqs',
      async () => (await import('./sqs.ts')).sqsClient,
      // SQS sends to the queue URL's host.
      (url: string) => new SendMessageCommand({ QueueUrl: `${url}/000000000000/q`, MessageBody: 'x' }),
    ],
    [
      'sns',
      async () => (await import('./sns.ts')).snsClient(),
      () => new PublishCommand({ PhoneNumber: '+14155550100', Message: 'x' }),
    ],
    ['ses', async () => (await import('./ses.ts')).sesClient(), () => new SendEmailCommand({ Content: {} })],
  ] as const)('%s is bounded by SDK_TIMEOUTS', async (_name, load, command) => {
    const answering = await server('answer');
    vi.stubEnv('AWS_ENDPOINT_URL', answering.url);
    const client = await load();

    await (client.send as (command: unknown) => Promise<unknown>)(command(answering.url)).catch(
      () => undefined,
    );

    expect(answering.requests()).toBeGreaterThan(0);
    const handler = client.config.requestHandler;
    expect(handler).toBeInstanceOf(NodeHttpHandler);
    expect((handler as NodeHttpHandler).httpHandlerConfigs()).toMatchObject({
      connectionTimeout: SDK_TIMEOUTS.connectionTimeoutMs,
      requestTimeout: SDK_TIMEOUTS.requestTimeoutMs,
      socketTimeout: SDK_TIMEOUTS.socketTimeoutMs,
      throwOnRequestTimeout: true,
    });
    expect(await client.config.maxAttempts()).toBe(SDK_TIMEOUTS.maxAttempts);
  });
});
