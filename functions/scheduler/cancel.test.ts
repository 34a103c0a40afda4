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

function stageAnswer(stage: string) {
  return new Response(JSON.stringify({ deliveryId: 'd1', accountId: 'acct-1', stage }), { status: 200 });
}

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

beforeEach(() => {
  fetchSpy = vi.spyOn(globalThis, 'fetch').mockImplementation(async () => stageAnswer('Scheduled'));
  dynamo.on(GetCommand).resolves({
    Item: {
      deliveryId: 'd1',
      accountId: 'acct-1',
      requestId: 'r1',
      request: scheduleRequest(),
      createdAt: '2026-11-30T00:00:00.000Z',
      updatedAt: '2026-11-30T00:00:00.000Z',
    },
  });
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
});

afterEach(() => {
  dynamo.reset();
  sqs.reset();
  vi.restoreAllMocks();
});

describe('DELETE /v1/deliveries/{deliveryId}', () => {
  it('enqueues a cancel and answers 202 with the current stage', async () => {
    const response = await del();

    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body ?? '{}')).toEqual({ deliveryId: 'd1', stage: 'Scheduled' });
    const sent = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(JSON.parse(sent?.MessageBody ?? '{}')).toMatchObject({ deliveryId: 'd1', operation: 'cancel' });
    expect(sent?.MessageGroupId).toBe('d1');
  });

  it.each(['InTransit', 'Completed', 'Cancelled', 'Failed'])(
    'answers 409 for a delivery %s',
    async (stage) => {
      fetchSpy.mockImplementation(async () => stageAnswer(stage));

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

  it('answers 503 when the Delivery service cannot tell the stage', async () => {
    fetchSpy.mockImplementation(async () => new Response('{}', { status: 502 }));

    const response = await del();

    expect(response.statusCode).toBe(503);
    expect(sqs.calls()).toHaveLength(0);
  });
});
