import { DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext } from '../../test/support/lambda.ts';
import { DISPATCH_INDEX, flightShard } from './core/keys.ts';
import { handler } from './simulator.ts';
import { drone, droneItem, near } from './test-support/fixtures.ts';

const ddb = mockClient(DynamoDBDocumentClient);

afterEach(() => {
  ddb.reset();
  vi.restoreAllMocks();
});

const flying = drone('drone-7', {
  state: 'HeadedToPickup',
  deliveryId: 'd-1',
  route: { pickup: near(30), dropoff: near(40), home: near(0) },
});

/** The dispatch index lists drone-7 as flying; the table holds it as `flying`. */
function flyingInTheIndex() {
  ddb.on(QueryCommand).resolves({ Items: [] });
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':shard': flightShard('drone-7') } }, false).resolves({
    Items: [{ pk: 'DRONE#drone-7', sk: 'DRONE', dispatchSk: '2030-01-01T10:00:00.000Z', droneId: 'drone-7' }],
  });
  ddb.on(GetCommand).resolves({ Item: droneItem(flying) });
}

describe('simulator', () => {
  it('posts signed telemetry for each flying drone to the internal telemetry route', async () => {
    flyingInTheIndex();
    const fetchSpy = vi
      .spyOn(globalThis, 'fetch')
      .mockImplementation(async () => new Response(JSON.stringify({ droneId: 'drone-7' }), { status: 202 }));
    const run = await handler({}, lambdaContext(5800));
    expect(run).toEqual({ ticks: 1, reports: 1, takeOffs: 0, failures: 0 });
    const [url, init] = fetchSpy.mock.calls[0] ?? [];
    expect(String(url)).toBe('https://internal.execute-api.us-east-1.amazonaws.com/drones/drone-7/telemetry');
    expect(init?.method).toBe('POST');
    expect((init?.headers ?? {}) as Record<string, string>).toHaveProperty('authorization');
    expect(((init?.headers ?? {}) as Record<string, string>).authorization).toMatch(/^AWS4-HMAC-SHA256/);
    expect(JSON.parse(String(init?.body))).toMatchObject({
      deliveryId: 'd-1',
      status: 'HeadedToPickup',
      speedMps: 20,
    });
  });

  it('counts a refused report as a failure and does not throw', async () => {
    flyingInTheIndex();
    vi.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response('{}', { status: 503 }));
    const run = await handler({}, lambdaContext(5800));
    expect(run).toEqual({ ticks: 1, reports: 0, takeOffs: 0, failures: 1 });
  });

  it('finds its work in each flight shard of the dispatch index, up to now, never by a Scan', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    await handler({}, lambdaContext(5800));
    const queries = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries.map((query) => query.ExpressionAttributeValues?.[':shard'])).toEqual([
      'FLIGHT#0',
      'FLIGHT#1',
      'FLIGHT#2',
      'FLIGHT#3',
    ]);
    expect(queries[0]).toMatchObject({
      IndexName: DISPATCH_INDEX,
      KeyConditionExpression: 'dispatchPk = :shard AND dispatchSk <= :before',
    });
    expect(ddb.commandCalls(ScanCommand)).toHaveLength(0);
  });
});
