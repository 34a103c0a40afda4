import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { OUTBOX_INDEX } from '../../shared/outbox.ts';
import { lambdaContext } from '../../test/support/lambda.ts';
import { handler } from './sweep-outboxes.ts';
import { drone, droneItem, near } from './test-support/fixtures.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);

afterEach(() => {
  ddb.reset();
  bus.reset();
});

const since = new Date(Date.now() - 3_600_000).toISOString();
const abandoned = drone('drone-7', {
  state: 'PickedUp',
  deliveryId: 'd-1',
  outboxKey: 'key-1',
  outboxSince: since,
  outbox: [
    {
      eventId: 'event-1',
      detailType: 'DroneStatusChanged',
      data: {
        droneId: 'drone-7',
        deliveryId: 'd-1',
        status: 'PickedUp',
        location: near(1),
        batteryPercent: 80,
      },
      correlationId: 'corr-1',
      occurredAt: since,
    },
  ],
});

function tableWithOneAbandonedBatch() {
  ddb
    .on(QueryCommand)
    .resolves({ Items: [] })
    .on(QueryCommand, { ExpressionAttributeValues: { ':shard': 'OUTBOX#0' } }, false)
    .resolves({ Items: [{ pk: 'DRONE#drone-7', sk: 'DRONE', outboxShard: 'OUTBOX#0', outboxSince: since }] });
  ddb.on(GetCommand).resolves({ Item: droneItem(abandoned) });
}

describe('sweep-outboxes', () => {
  it('queries each shard of the sparse index and publishes what a telemetry call left', async () => {
    tableWithOneAbandonedBatch();
    bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });

    const run = await handler({}, lambdaContext(60_000));

    expect(run).toMatchObject({ found: 1, published: 1, failed: 0 });
    const queries = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries.map((query) => query.ExpressionAttributeValues?.[':shard'])).toEqual([
      'OUTBOX#0',
      'OUTBOX#1',
      'OUTBOX#2',
      'OUTBOX#3',
    ]);
    expect(queries[0]).toMatchObject({ IndexName: OUTBOX_INDEX, Limit: 100 });
    const entry = bus.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(JSON.parse(entry?.Detail ?? '{}').metadata).toMatchObject({
      eventId: 'event-1',
      correlationId: 'corr-1',
    });
    expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      Key: { pk: 'DRONE#drone-7', sk: 'DRONE' },
      ExpressionAttributeValues: { ':key': 'key-1' },
    });
  });

  it('fails the run, for the error alarm, when the bus refuses a batch, and keeps the batch', async () => {
    tableWithOneAbandonedBatch();
    bus.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });

    await expect(handler({}, lambdaContext(60_000))).rejects.toThrow(
      '1 drone outbox batches could not be published',
    );
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });
});
