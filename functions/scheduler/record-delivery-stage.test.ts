import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { lambdaContext, sqsEvent, sqsRecord } from '../../test/support/lambda.ts';
import { handler } from './record-delivery-stage.ts';
import { deliveryEnvelope } from './test-support/delivery-events.ts';

const dynamo = mockClient(DynamoDBDocumentClient);

afterEach(() => {
  dynamo.reset();
});

describe('record-delivery-stage (SQS ← delivery events)', () => {
  it('records the stage an event tells on the request, keyed by its eventId', async () => {
    dynamo.on(UpdateCommand).resolves({});
    const record = sqsRecord(deliveryEnvelope('DeliveryInTransit', 'd1', { eventId: 'evt-1' }));

    const result = await handler(sqsEvent([record]), lambdaContext());

    expect(result.batchItemFailures).toEqual([]);
    const update = dynamo.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(update?.Key).toEqual({ pk: 'REQUEST#d1', sk: 'REQUEST' });
    expect(update?.ExpressionAttributeValues).toMatchObject({ ':stage': 'InTransit', ':event': 'evt-1' });
  });

  it('succeeds without change for a repeated or late event', async () => {
    dynamo
      .on(UpdateCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'stale', $metadata: {}, Item: { pk: { S: 'x' } } }),
      );
    const record = sqsRecord(deliveryEnvelope('DeliveryCreated', 'd1', { eventId: 'evt-0' }));

    const result = await handler(sqsEvent([record]), lambdaContext());

    expect(result.batchItemFailures).toEqual([]);
  });

  it('fails only the malformed record of a batch (it reaches the DLQ with its reason logged)', async () => {
    dynamo.on(UpdateCommand).resolves({});
    const good = sqsRecord(deliveryEnvelope('DeliveryCompleted', 'd1', { eventId: 'evt-2' }));
    const bad = sqsRecord({ 'detail-type': 'DeliveryCompleted', detail: {} });

    const result = await handler(sqsEvent([good, bad]), lambdaContext());

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: bad.messageId }]);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(1);
  });
});
