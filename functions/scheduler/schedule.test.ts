import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { apiEvent, claimsFor, lambdaContext } from '../../test/support/lambda.ts';
import { bodyHash } from './core/hash.ts';
import { handler } from './schedule.ts';
import { ScheduleDeliveryRequest } from './schemas.ts';
import { scheduleRequest } from './test-support/harness.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
let fetchSpy: MockInstance<typeof fetch>;

const validBody = {
  pickup: { latitude: 47.6, longitude: -122.3, altitude: 0 },
  dropoff: { latitude: 47.7, longitude: -122.2, altitude: 0 },
  pickupTime: '2026-12-01T10:00:00Z',
  deadline: '2026-12-01T12:00:00Z',
  expedited: false,
  confirmationRequired: 'None',
  package: { size: 'Small', weightKg: 1.2, tag: 'books' },
};

function post(options: Parameters<typeof apiEvent>[0] = {}) {
  return handler(
    apiEvent({
      method: 'POST',
      path: '/v1/deliveries',
      body: validBody,
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
  dynamo.on(PutCommand).resolves({});
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
});

afterEach(() => {
  dynamo.reset();
  sqs.reset();
  vi.restoreAllMocks();
});

describe('POST /v1/deliveries', () => {
  it('answers 202 with the delivery id, its location and stage Requested', async () => {
    const response = await post();

    expect(response.statusCode).toBe(202);
    const body = JSON.parse(response.body ?? '{}');
    expect(body).toEqual({ deliveryId: expect.stringMatching(/^[0-9a-f-]{36}$/), stage: 'Requested' });
    expect(response.headers?.location).toBe(`/v1/deliveries/${body.deliveryId}`);
  });

  it('stores the request as not yet started and enqueues the schedule message with the correlation id, calling no other service', async () => {
    const response = await post({ headers: { 'x-correlation-id': 'corr-abc' } });

    const { deliveryId } = JSON.parse(response.body ?? '{}');
    const put = dynamo.commandCalls(PutCommand)[0]?.args[0].input;
    expect(put?.Item).toMatchObject({
      pk: `REQUEST#${deliveryId}`,
      sk: 'REQUEST',
      accountId: 'acct-1',
      correlationId: 'corr-abc',
      sweepShard: expect.stringMatching(/^UNSTARTED#\d$/),
      sweepAt: expect.any(String),
    });
    expect(put?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(fetchSpy).not.toHaveBeenCalled();
    const sent = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(JSON.parse(sent?.MessageBody ?? '{}')).toMatchObject({
      deliveryId,
      operation: 'schedule',
      accountId: 'acct-1',
      correlationId: 'corr-abc',
    });
    expect(sent?.MessageGroupId).toBe(deliveryId);
    expect(sent?.MessageDeduplicationId).toMatch(new RegExp(`^${deliveryId}:schedule:`));
    expect(sent?.MessageAttributes?.correlationId?.StringValue).toBe('corr-abc');
  });

  it('returns the delivery already created for a repeated Idempotency-Key and body', async () => {
    const stored = {
      accountId: 'acct-1',
      idempotencyKey: 'key-1',
      deliveryId: 'earlier-id',
      requestId: 'earlier-request',
      bodyHash: bodyHash(ScheduleDeliveryRequest.parse(validBody)),
      createdAt: '2026-11-30T00:00:00.000Z',
    };
    dynamo
      .on(PutCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }))
      .on(GetCommand, { Key: { pk: 'IDEMPOTENCY#acct-1#key-1', sk: 'KEY' } })
      .resolves({ Item: stored })
      .on(GetCommand, { Key: { pk: 'REQUEST#earlier-id', sk: 'REQUEST' } })
      .resolves({
        Item: {
          deliveryId: 'earlier-id',
          accountId: 'acct-1',
          requestId: 'earlier-request',
          request: scheduleRequest(),
          createdAt: stored.createdAt,
          updatedAt: stored.createdAt,
          sweepAt: '2026-11-30T00:01:00.000Z',
        },
      });

    const response = await post({ headers: { 'idempotency-key': 'key-1' } });

    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body ?? '{}').deliveryId).toBe('earlier-id');
    expect(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageDeduplicationId).toBe(
      'earlier-id:schedule:earlier-request',
    );
  });

  it('answers 409 for a repeated Idempotency-Key with another body, enqueuing nothing', async () => {
    dynamo
      .on(PutCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }))
      .on(GetCommand)
      .resolves({
        Item: {
          accountId: 'acct-1',
          idempotencyKey: 'key-1',
          deliveryId: 'earlier-id',
          requestId: 'r',
          bodyHash: 'another-hash',
          createdAt: '2026-11-30T00:00:00.000Z',
        },
      });

    const response = await post({ headers: { 'idempotency-key': 'key-1' } });

    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body ?? '{}').type).toMatch(/idempotency-key-reused$/);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('answers 202 when the queue fails after the request is stored: the sweeper enqueues it', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('throttled'));

    const response = await post();

    expect(response.statusCode).toBe(202);
    expect(dynamo.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({
      sweepAt: expect.any(String),
    });
  });

  it('answers a retry-safe 503 problem when its table fails, enqueuing nothing', async () => {
    dynamo.on(PutCommand).rejects(new Error('ProvisionedThroughputExceeded'));

    const response = await post();

    expect(response.statusCode).toBe(503);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(response.headers?.['retry-after']).toBe('1');
    expect(response.body).not.toContain('ProvisionedThroughputExceeded');
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });
});

describe('POST /v1/deliveries refuses bad input and writes nothing', () => {
  const cases: { name: string; options: Parameters<typeof apiEvent>[0]; status: number; path?: string }[] = [
    { name: 'an unknown field', options: { body: { ...validBody, colour: 'red' } }, status: 400 },
    {
      name: 'a wrong type',
      options: { body: { ...validBody, expedited: 'yes' } },
      status: 400,
      path: '/expedited',
    },
    {
      name: 'an out-of-range coordinate',
      options: { body: { ...validBody, pickup: { latitude: 91, longitude: 0, altitude: 0 } } },
      status: 400,
      path: '/pickup/latitude',
    },
    {
      name: 'a deadline not after pickupTime',
      options: { body: { ...validBody, deadline: validBody.pickupTime } },
      status: 400,
      path: '/deadline',
    },
    {
      name: 'a non-positive weight',
      options: { body: { ...validBody, package: { size: 'Small', weightKg: 0 } } },
      status: 400,
      path: '/package/weightKg',
    },
    {
      name: 'a missing field',
      options: { body: { ...validBody, pickup: undefined } },
      status: 400,
      path: '/pickup',
    },
    {
      name: 'a body over 16 KB',
      options: { rawBody: JSON.stringify({ ...validBody, pad: 'x'.repeat(17 * 1024) }) },
      status: 413,
    },
    {
      name: 'a wrong content type',
      options: { rawBody: JSON.stringify(validBody), headers: { 'content-type': 'text/plain' } },
      status: 415,
    },
    { name: 'malformed JSON', options: { rawBody: '{"pickup": ' }, status: 400 },
    {
      name: 'a bad Idempotency-Key header',
      options: { headers: { 'idempotency-key': 'has spaces in it' } },
      status: 400,
    },
    {
      name: 'an over-long Idempotency-Key header',
      options: { headers: { 'idempotency-key': 'k'.repeat(129) } },
      status: 400,
    },
    { name: 'a token without an account', options: { claims: { sub: 'user-1' } }, status: 403 },
  ];

  it.each(cases)('answers $status for $name', async ({ options, status, path }) => {
    const response = await post(options);

    expect(response.statusCode).toBe(status);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    const problem = JSON.parse(response.body ?? '{}');
    expect(problem).toMatchObject({ status, instance: '/v1/deliveries' });
    if (path) expect(problem.errors).toContainEqual(expect.objectContaining({ path }));
    expect(dynamo.calls()).toHaveLength(0);
    expect(sqs.calls()).toHaveLength(0);
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});
