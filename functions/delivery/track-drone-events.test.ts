import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { loadFixture } from '../../events/fixtures.ts';
import { parseDetail } from '../../events/schemas.ts';
import { lambdaContext, sqsEvent, sqsRecord } from '../../test/support/lambda.ts';
import { storedDelivery } from './test-support/items.ts';
import { handler } from './track-drone-events.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const eventBridge = mockClient(EventBridgeClient);
afterEach(() => {
  dynamo.reset();
  eventBridge.reset();
});

const [PICKED_UP] = loadFixture('events/fixtures/DroneStatusChanged.json');

describe('track-drone-events handler', () => {
  it('publishes DeliveryInTransit for a PickedUp envelope, caused by the drone event', async () => {
    const deliveryId = PICKED_UP?.detail.deliveryId ?? '';
    dynamo
      .on(GetCommand)
      .resolves({ Item: storedDelivery({ deliveryId, stage: 'Scheduled', droneId: 'drone-001' }) });
    dynamo.on(UpdateCommand).callsFake((input) => ({
      Attributes: storedDelivery({
        deliveryId,
        stage: 'InTransit',
        droneId: 'drone-001',
        version: 2,
        pendingKey: 'v2',
        pendingEvents: input.ExpressionAttributeValues[':pendingEvents'],
      }),
    }));
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });

    const result = await handler(sqsEvent([sqsRecord(PICKED_UP)]), lambdaContext());

    expect(result.batchItemFailures).toEqual([]);
    const entry = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    const detail = parseDetail('DeliveryInTransit', JSON.parse(entry?.Detail ?? '{}'));
    expect(detail.metadata).toMatchObject({
      causationId: PICKED_UP?.id,
      correlationId: PICKED_UP?.detail.metadata.correlationId,
    });
  });

  it('acknowledges an event about an unknown delivery', async () => {
    dynamo.on(GetCommand).resolves({});

    const result = await handler(sqsEvent([sqsRecord(PICKED_UP)]), lambdaContext());

    expect(result.batchItemFailures).toEqual([]);
    expect(eventBridge.calls()).toHaveLength(0);
  });

  it('fails only the record that is not a drone event', async () => {
    dynamo.on(GetCommand).resolves({});
    const bad = sqsRecord({ ...PICKED_UP, 'detail-type': 'DeliveryCreated' }, { messageId: 'bad' });

    const result = await handler(sqsEvent([bad, sqsRecord(PICKED_UP)]), lambdaContext());

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
  });
});
