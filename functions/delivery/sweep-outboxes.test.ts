import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { lambdaContext } from '../../test/support/lambda.ts';
import { storedDelivery } from './test-support/items.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const eventBridge = mockClient(EventBridgeClient);
afterEach(() => {
  dynamo.reset();
  eventBridge.reset();
});

let sweep: typeof import('./sweep-outboxes.ts');
beforeAll(async () => {
  // The stack sets it from the Delivery functions' timeouts; the handler reads it at cold start.
  vi.stubEnv('OUTBOX_GRACE_SECONDS', '60');
  sweep = await import('./sweep-outboxes.ts');
});

const writtenAt = '2026-05-04T15:00:01.000Z';
const abandoned = storedDelivery({
  stage: 'Scheduled',
  version: 2,
  pendingKey: 'v2',
  pendingEvents: [
    {
      eventId: 'ev-stored',
      detailType: 'DeliveryCancelled',
      data: { deliveryId: 'd-1', accountId: 'acct-demo' },
      correlationId: 'corr-crashed-call',
      occurredAt: writtenAt,
    },
  ],
});

function oneAbandonedOutbox() {
  dynamo
    .on(QueryCommand)
    .callsFake((input) =>
      input.ExpressionAttributeValues[':shard'] === 'OUTBOX#0'
        ? { Items: [{ pk: 'DELIVERY#d-1', sk: 'DELIVERY', outboxShard: 'OUTBOX#0', outboxSince: writtenAt }] }
        : { Items: [] },
    );
  dynamo.on(GetCommand).resolves({ Item: abandoned });
  dynamo.on(UpdateCommand).resolves({});
}

describe('sweep-outboxes handler', () => {
  it('queries every shard of the outbox index for batches older than the grace period', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    vi.useFakeTimers({ now: new Date('2026-05-04T16:00:00.000Z'), toFake: ['Date'] });

    await sweep.handler({}, lambdaContext()).finally(() => vi.useRealTimers());

    const queries = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries.map((query) => query.ExpressionAttributeValues?.[':shard'])).toEqual([
      'OUTBOX#0',
      'OUTBOX#1',
      'OUTBOX#2',
      'OUTBOX#3',
    ]);
    for (const query of queries) {
      expect(query).toMatchObject({
        IndexName: 'pendingOutbox',
        KeyConditionExpression: 'outboxShard = :shard AND outboxSince < :before',
        ExpressionAttributeValues: { ':before': '2026-05-04T15:59:00.000Z' },
      });
    }
  });

  it('publishes an abandoned outbox with its stored identity and clears it', async () => {
    oneAbandonedOutbox();
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });

    const summary = await sweep.handler({}, lambdaContext());

    const entry = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(summary).toMatchObject({ published: 1, failed: 0 });
    expect(JSON.parse(entry?.Detail ?? '{}').metadata).toMatchObject({
      eventId: 'ev-stored',
      correlationId: 'corr-crashed-call',
      occurredAt: writtenAt,
    });
    expect(entry?.Time).toEqual(new Date(writtenAt));
    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      UpdateExpression: 'REMOVE pendingEvents, pendingKey, outboxShard, outboxSince',
      ExpressionAttributeValues: { ':key': 'v2' },
    });
  });

  it('fails the run when an outbox cannot be published, leaving it for the next run', async () => {
    oneAbandonedOutbox();
    eventBridge.on(PutEventsCommand).rejects(new Error('bus down'));

    const run = sweep.handler({}, lambdaContext());

    await expect(run).rejects.toThrow(sweep.OutboxSweepError);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });
});
