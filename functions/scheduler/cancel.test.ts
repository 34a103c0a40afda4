import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { apiEvent, claimsFor, lambdaContext } from '../../test/support/lambda.ts';
import { handler } from './cancel.ts';
import { scheduleRequest } from './test-support/harness.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
let fetchSpy: MockInstance<typeof fetch>;

function del(options: Parameters<typeof apiEvent>[0] = {}) {
  return handler(
    apiEvent({
      method: 'DELETE',
      path: '/v1/deliveries/d1',
      pathParameters: { deliveryId: 'd1' },
      claims: claimsFor('acct-1'),
      ...options,
    }),
    lambdaContext(),
  );
}

function requestItem(stage?: string) {
  return {
    deliveryId: 'd1',
    accountId: 'acct-1',
    requestId: 'r1',
    request: scheduleRequest(),
    createdAt: '2026-11-30T00:00:00.000Z',
    updatedAt: '2026-11-30T00:00:00.000Z',
    ...(stage === undefined ? {} : { stage }),
  };
}

beforeEach(() => {
  // Any internal service the handler might call answers 503: ingest must not call one at all.
  fetchSpy = vi
    .spyOn(globalThis, 'fetch')
    .mockImplementation(async () => new Response('{}', { status: 503 }));
  dynamo.on(GetCommand).resolves({ Item: requestItem('Scheduled') });
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
});

afterEach(() => {
  dynamo.reset();
  sqs.reset();
  vi.restoreAllMocks();
});

describe('DELETE /v1/deliveries/{deliveryId}', () => {
  it('enqueues a cancel and answers 202 with the stage it knows, calling no other service', async () => {
    const response = await del();

    expect(fetchSpy).not.toHaveBeenCalled();
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body ?? '{}')).toEqual({ deliveryId: 'd1', stage: 'Scheduled' });
    const sent = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(JSON.parse(sent?.MessageBody ?? '{}')).toMatchObject({ deliveryId: 'd1', operation: 'cancel' });
    expect(sent?.MessageGroupId).toBe('d1');
  });

  it.each(['InTransit', 'Completed', 'Cancelled', 'Failed'])(
    'answers 409 for a delivery %s',
    async (stage) => {
      dynamo.on(GetCommand).resolves({ Item: requestItem(stage) });

      const response = await del();

      expect(response.statusCode).toBe(409);
      expect(sqs.calls()).toHaveLength(0);
    },
  );

  it('answers 404 for another account’s delivery', async () => {
    const response = await del({ claims: claimsFor('acct-2') });

    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body ?? '{}').detail).not.toContain('acct-1');
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(sqs.calls()).toHaveLength(0);
  });

  it('answers 400 for a bad delivery id, touching nothing', async () => {
    const response = await del({ pathParameters: { deliveryId: '../../etc' } });

    expect(response.statusCode).toBe(400);
    expect(dynamo.calls()).toHaveLength(0);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('answers a retry-safe 503 when the queue fails: a cancel is accepted only once enqueued', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('throttled'));

    const response = await del();

    expect(response.statusCode).toBe(503);
    expect(response.body).not.toContain('throttled');
  });

  it('sends a schedule that has not started ahead of the cancel', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...requestItem(), sweepAt: '2026-11-30T00:01:00.000Z' } });

    await del();

    const operations = sqs
      .commandCalls(SendMessageCommand)
      .map((call) => JSON.parse(call.args[0].input.MessageBody ?? '{}').operation);
    expect(operations).toEqual(['schedule', 'cancel']);
  });
});
