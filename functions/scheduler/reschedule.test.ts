import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { apiEvent, claimsFor, lambdaContext } from '../../test/support/lambda.ts';
import { handler } from './reschedule.ts';
import { scheduleRequest } from './test-support/harness.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
let fetchSpy: MockInstance<typeof fetch>;

const requestItem = {
  pk: 'REQUEST#d1',
  sk: 'REQUEST',
  deliveryId: 'd1',
  accountId: 'acct-1',
  requestId: 'r1',
  request: scheduleRequest(),
  createdAt: '2026-11-30T00:00:00.000Z',
  updatedAt: '2026-11-30T00:00:00.000Z',
};

function patch(options: Parameters<typeof apiEvent>[0] = {}) {
  return handler(
    apiEvent({
      method: 'PATCH',
      path: '/v1/deliveries/d1',
      pathParameters: { deliveryId: 'd1' },
      body: { pickupTime: '2026-12-01T11:00:00Z' },
      claims: claimsFor('acct-1'),
      ...options,
    }),
    lambdaContext(),
  );
}

beforeEach(() => {
  // Any internal service the handler might call answers 503: ingest must not call one at all.
  fetchSpy = vi
    .spyOn(globalThis, 'fetch')
    .mockImplementation(async () => new Response('{}', { status: 503 }));
  dynamo.on(GetCommand).resolves({ Item: { ...requestItem, stage: 'Scheduled' } });
  dynamo.on(TransactWriteCommand).resolves({});
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
});

afterEach(() => {
  dynamo.reset();
  sqs.reset();
  vi.restoreAllMocks();
});

describe('PATCH /v1/deliveries/{deliveryId}', () => {
  it('stores the change with the request and enqueues a reschedule, answering 202 without calling another service', async () => {
    const response = await patch();

    expect(fetchSpy).not.toHaveBeenCalled();
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body ?? '{}')).toEqual({ deliveryId: 'd1', stage: 'Scheduled' });
    const items = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items[0]?.Put?.Item).toMatchObject({
      pk: 'REQUEST#d1',
      sk: expect.stringMatching(/^RESCHEDULE#/),
      changes: { pickupTime: '2026-12-01T11:00:00Z' },
      request: { pickupTime: '2026-12-01T11:00:00Z', deadline: '2026-12-01T12:00:00Z' },
      accountId: 'acct-1',
      sweepShard: expect.stringMatching(/^UNSTARTED#\d$/),
      sweepAt: expect.any(String),
    });
    expect(items[1]?.Update?.Key).toEqual({ pk: 'REQUEST#d1', sk: 'REQUEST' });
    const message = JSON.parse(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageBody ?? '{}');
    expect(message).toMatchObject({ deliveryId: 'd1', operation: 'reschedule', accountId: 'acct-1' });
  });

  it('answers 404 for another account’s delivery', async () => {
    const response = await patch({ claims: claimsFor('acct-2') });

    expect(response.statusCode).toBe(404);
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(sqs.calls()).toHaveLength(0);
  });

  it('answers 404 for an unknown delivery', async () => {
    dynamo.on(GetCommand).resolves({});

    const response = await patch();

    expect(response.statusCode).toBe(404);
  });

  it('answers 409 once the delivery events said it is in flight', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...requestItem, stage: 'InTransit' } });

    const response = await patch();

    expect(response.statusCode).toBe(409);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(sqs.calls()).toHaveLength(0);
  });

  it('answers 409 when another reschedule changed the request meanwhile', async () => {
    dynamo
      .on(TransactWriteCommand)
      .rejects(new TransactionCanceledException({ message: 'no', $metadata: {} }));

    const response = await patch();

    expect(response.statusCode).toBe(409);
    expect(sqs.calls()).toHaveLength(0);
  });
});

describe('PATCH /v1/deliveries/{deliveryId} refuses bad input and writes nothing', () => {
  const cases: { name: string; options: Parameters<typeof apiEvent>[0]; status: number }[] = [
    { name: 'an empty change', options: { body: {} }, status: 400 },
    {
      name: 'an unknown field',
      options: { body: { pickupTime: '2026-12-01T11:00:00Z', x: 1 } },
      status: 400,
    },
    { name: 'a wrong type', options: { body: { pickupTime: 42 } }, status: 400 },
    {
      name: 'an out-of-range dropoff',
      options: { body: { dropoff: { latitude: 0, longitude: 181, altitude: 0 } } },
      status: 400,
    },
    { name: 'a bad delivery id', options: { pathParameters: { deliveryId: 'no/such id' } }, status: 400 },
    { name: 'malformed JSON', options: { rawBody: '{' }, status: 400 },
    {
      name: 'a wrong content type',
      options: { rawBody: '{}', headers: { 'content-type': 'text/xml' } },
      status: 415,
    },
  ];

  it.each(cases)('answers $status for $name', async ({ options, status }) => {
    const response = await patch(options);

    expect(response.statusCode).toBe(status);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(dynamo.calls()).toHaveLength(0);
    expect(sqs.calls()).toHaveLength(0);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('answers 400 when the new pickup time falls after the deadline, writing nothing', async () => {
    const response = await patch({ body: { pickupTime: '2026-12-01T13:00:00Z' } });

    expect(response.statusCode).toBe(400);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(sqs.calls()).toHaveLength(0);
  });
});
