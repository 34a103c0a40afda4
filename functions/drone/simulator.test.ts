import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext } from '../../test/support/lambda.ts';
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

describe('simulator', () => {
  it('posts signed telemetry for each active drone to the internal telemetry route', async () => {
    ddb.on(ScanCommand).resolves({ Items: [droneItem(flying)] });
    const fetchSpy = vi
      .spyOn(globalThis, 'fetch')
      .mockImplementation(async () => new Response(JSON.stringify({ droneId: 'drone-7' }), { status: 202 }));
    const run = await handler({}, lambdaContext(5800));
    expect(run).toEqual({ ticks: 1, reports: 1, failures: 0 });
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
    ddb.on(ScanCommand).resolves({ Items: [droneItem(flying)] });
    vi.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response('{}', { status: 503 }));
    const run = await handler({}, lambdaContext(5800));
    expect(run).toEqual({ ticks: 1, reports: 0, failures: 1 });
  });

  it('asks the table only for drones that are neither idle nor charging', async () => {
    ddb.on(ScanCommand).resolves({ Items: [] });
    await handler({}, lambdaContext(5800));
    expect(ddb.commandCalls(ScanCommand)[0]?.args[0].input.FilterExpression).toContain('NOT (#state IN');
  });
});
