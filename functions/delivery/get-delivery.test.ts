import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { apiEvent, claimsFor, lambdaContext } from '../../test/support/lambda.ts';
import { handler } from './get-delivery.ts';
import { newDelivery } from './test-support/fakes.ts';
import { storedDelivery } from './test-support/items.ts';

// The public GET of a delivery accepted by the Scheduler but not created here yet.

const dynamo = mockClient(DynamoDBDocumentClient);
let fetchSpy: MockInstance<typeof fetch>;

/** The Scheduler's `GET /requests/{deliveryId}` answer for a request of `accountId`. */
function storedRequest(accountId = 'acct-demo') {
  const { accountId: _owner, ...request } = newDelivery();
  return new Response(
    JSON.stringify({
      deliveryId: 'd-1',
      accountId,
      ...request,
      createdAt: '2026-05-04T15:00:00.000Z',
      updatedAt: '2026-05-04T15:00:00.000Z',
    }),
    { status: 200, headers: { 'content-type': 'application/json' } },
  );
}

const problem = (status: number) =>
  new Response(JSON.stringify({ status, title: 'x', detail: 'x' }), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  });

function get(accountId = 'acct-demo') {
  return handler(
    apiEvent({ pathParameters: { deliveryId: 'd-1' }, claims: claimsFor(accountId) }),
    lambdaContext(),
  );
}

beforeEach(() => {
  dynamo.on(GetCommand).resolves({});
  fetchSpy = vi.spyOn(globalThis, 'fetch').mockImplementation(async () => storedRequest());
});

afterEach(() => {
  dynamo.reset();
  vi.restoreAllMocks();
});

describe('GET /v1/deliveries/{deliveryId} before the workflow created the delivery', () => {
  it("answers the owner 200 with stage Requested, built from the Scheduler's stored request", async () => {
    const response = await get();

    expect(response.statusCode).toBe(200);
    const { accountId: _owner, ...request } = newDelivery();
    expect(JSON.parse(response.body ?? '{}')).toEqual({
      deliveryId: 'd-1',
      accountId: 'acct-demo',
      stage: 'Requested',
      ...request,
      createdAt: '2026-05-04T15:00:00.000Z',
      updatedAt: '2026-05-04T15:00:00.000Z',
    });
    const [url, init] = fetchSpy.mock.calls[0] ?? [];
    expect(String(url)).toBe('https://internal.execute-api.us-east-1.amazonaws.com/requests/d-1');
    expect(init?.method).toBe('GET');
    expect(new Headers(init?.headers).get('authorization')).toMatch(/^AWS4-HMAC-SHA256 /);
  });

  it("answers 404 for another account's accepted request", async () => {
    fetchSpy.mockImplementation(async () => storedRequest('acct-other'));

    const response = await get();

    expect(response.statusCode).toBe(404);
    expect(response.body).not.toContain('acct-other');
  });

  it('answers 404 for an id nobody accepted', async () => {
    fetchSpy.mockImplementation(async () => problem(404));

    const response = await get();

    expect(response.statusCode).toBe(404);
  });

  it('answers a retry-safe 503, never 404, when the Scheduler cannot be asked', async () => {
    fetchSpy.mockImplementation(async () => problem(503));

    const response = await get();

    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('1');
  });

  it('reads its own table first and asks nobody for a delivery it has', async () => {
    dynamo.on(GetCommand).resolves({ Item: storedDelivery({ stage: 'Scheduled', droneId: 'drone-1' }) });

    const response = await get();

    expect(JSON.parse(response.body ?? '{}')).toMatchObject({ stage: 'Scheduled', droneId: 'drone-1' });
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});
