import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DETAIL_TYPES, SOURCES } from '../../events/catalog.ts';
import { parseDetail } from '../../events/schemas.ts';
import { apiEvent, lambdaContext } from '../../test/support/lambda.ts';
import { handler } from './ingest-telemetry.ts';
import { drone, droneItem, near } from './test-support/fixtures.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);

afterEach(() => {
  ddb.reset();
  bus.reset();
});

const recordedAt = new Date(Date.now() - 1000).toISOString();

function telemetry(droneId: string, body: unknown, headers?: Record<string, string>) {
  return handler(
    apiEvent({
      method: 'POST',
      path: `/drones/${droneId}/telemetry`,
      pathParameters: { droneId },
      body,
      headers: { 'x-correlation-id': 'corr-telemetry-1', ...headers },
    }),
    lambdaContext(),
  );
}

function report(overrides: Record<string, unknown> = {}) {
  return { location: near(0.5, 0, 120), batteryPercent: 88, speedMps: 20, recordedAt, ...overrides };
}

function assignedDrone(lastTelemetryAt?: string) {
  const record = drone('drone-7', {
    state: 'Assigned',
    deliveryId: 'd-1',
    route: { pickup: near(1), dropoff: near(3), home: near(0) },
    ...(lastTelemetryAt ? { lastTelemetryAt } : {}),
  });
  ddb.on(GetCommand).resolves({ Item: droneItem(record) });
}

/** The outbox a first copy of the report stored. */
function storedBatch() {
  return [
    {
      eventId: 'stored-1',
      detailType: 'DronePositionChanged' as const,
      data: {
        droneId: 'drone-7',
        deliveryId: 'd-1',
        location: near(0.5, 0, 120),
        batteryPercent: 88,
        speedMps: 20,
        recordedAt,
      },
      correlationId: 'corr-first',
      occurredAt: recordedAt,
    },
  ];
}

function publishedEvents() {
  return bus.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);
}

describe('POST /drones/{droneId}/telemetry', () => {
  it('stores the report and publishes a position and a status change that match the catalog schemas', async () => {
    assignedDrone();
    ddb.on(TransactWriteCommand).resolves({});
    bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }, { EventId: '2' }] });
    const response = await telemetry('drone-7', report({ deliveryId: 'd-1', status: 'HeadedToPickup' }));
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body ?? '')).toEqual({ droneId: 'drone-7', accepted: true });
    const events = publishedEvents();
    expect(events.map((e) => [e.Source, e.DetailType])).toEqual([
      [SOURCES.drones, DETAIL_TYPES.DronePositionChanged],
      [SOURCES.drones, DETAIL_TYPES.DroneStatusChanged],
    ]);
    const position = parseDetail('DronePositionChanged', JSON.parse(events[0]?.Detail ?? ''));
    const status = parseDetail('DroneStatusChanged', JSON.parse(events[1]?.Detail ?? ''));
    expect(position).toMatchObject({ droneId: 'drone-7', deliveryId: 'd-1', batteryPercent: 88 });
    expect(status).toMatchObject({
      status: 'HeadedToPickup',
      metadata: { correlationId: 'corr-telemetry-1' },
    });
  });

  it('publishes only the position when the status did not change', async () => {
    assignedDrone();
    ddb.on(TransactWriteCommand).resolves({});
    bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    await telemetry('drone-7', report());
    expect(publishedEvents().map((e) => e.DetailType)).toEqual([DETAIL_TYPES.DronePositionChanged]);
  });

  it('ignores a report older than the last one: 202 and no events', async () => {
    assignedDrone(new Date().toISOString());
    const response = await telemetry('drone-7', report({ status: 'HeadedToPickup' }));
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body ?? '')).toEqual({ droneId: 'drone-7', accepted: false });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(bus.calls()).toHaveLength(0);
  });

  it('answers 404 for an unknown drone', async () => {
    ddb.on(GetCommand).resolves({});
    const response = await telemetry('drone-404', report());
    expect(response.statusCode).toBe(404);
    expect(bus.calls()).toHaveLength(0);
  });

  it('answers 503 without detail when the bus refuses the events, the status change stored and marked', async () => {
    assignedDrone();
    ddb.on(TransactWriteCommand).resolves({});
    bus.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    const response = await telemetry('drone-7', report({ deliveryId: 'd-1', status: 'HeadedToPickup' }));
    expect(response.statusCode).toBe(503);
    expect(response.body).not.toMatch(/InternalFailure/);
    const update = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[0]?.Update;
    expect(update?.UpdateExpression).toContain('outboxKey = :outboxKey');
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('writes the events with the report and publishes them under the stored eventIds', async () => {
    assignedDrone();
    ddb.on(TransactWriteCommand).resolves({});
    bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }, { EventId: '2' }] });
    await telemetry('drone-7', report({ deliveryId: 'd-1', status: 'HeadedToPickup' }));
    const update = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[0]?.Update;
    const stored = update?.ExpressionAttributeValues?.[':outbox'] as Array<{ eventId: string }>;
    const published = publishedEvents().map((entry) => JSON.parse(entry.Detail ?? '{}').metadata.eventId);
    expect(published).toEqual(stored.map((event) => event.eventId));
    expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      UpdateExpression: 'REMOVE outboxKey, outboxShard, outboxSince',
      ExpressionAttributeValues: { ':key': update?.ExpressionAttributeValues?.[':outboxKey'] },
    });
  });

  it('publishes a repeated report from what was stored, under the same eventIds', async () => {
    const first = storedBatch();
    const record = drone('drone-7', {
      state: 'HeadedToPickup',
      deliveryId: 'd-1',
      lastTelemetryAt: recordedAt,
      outbox: first,
    });
    ddb.on(GetCommand).resolves({ Item: droneItem(record) });
    bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const response = await telemetry('drone-7', report({ location: near(9) }));
    expect(response.statusCode).toBe(202);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    const details = publishedEvents().map((entry) => JSON.parse(entry.Detail ?? '{}'));
    expect(details.map((detail) => detail.metadata)).toEqual([
      expect.objectContaining({ eventId: 'stored-1', correlationId: 'corr-first' }),
    ]);
    expect(details[0]?.location).toEqual(near(0.5, 0, 120));
  });

  it('refuses a battery over 100 % with 400 and writes nothing', async () => {
    const response = await telemetry('drone-7', report({ batteryPercent: 150 }));
    expect(response.statusCode).toBe(400);
    expect(ddb.calls()).toHaveLength(0);
    expect(bus.calls()).toHaveLength(0);
  });

  it('refuses an unknown status with 400', async () => {
    const response = await telemetry('drone-7', report({ status: 'Teleporting' }));
    expect(response.statusCode).toBe(400);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses a report from the future with 400', async () => {
    const response = await telemetry(
      'drone-7',
      report({ recordedAt: new Date(Date.now() + 3_600_000).toISOString() }),
    );
    expect(response.statusCode).toBe(400);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses a malformed drone id with 400', async () => {
    const response = await telemetry('drone 7', report());
    expect(response.statusCode).toBe(400);
    expect(ddb.calls()).toHaveLength(0);
  });
});
