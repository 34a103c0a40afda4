import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { loadFixture } from '../../events/fixtures.ts';
import { apiEvent, claimsFor, lambdaContext, sqsEvent, sqsRecord } from '../../test/support/lambda.ts';
import { encodeHistoryToken } from './core/history.ts';
import { handler as getHistory } from './get-history.ts';
import { handler as recordEvent } from './record-event.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
afterEach(() => {
  dynamo.reset();
});

const [CREATED] = loadFixture('events/fixtures/DeliveryCreated.json');
const [IN_TRANSIT] = loadFixture('events/fixtures/DeliveryInTransit.json');
const [RESCHEDULE_REJECTED] = loadFixture('events/fixtures/DeliveryRescheduleRejected.json');

describe('record-event handler', () => {
  it('writes the marker, the entry and the owner in one transaction, marker and entry conditionally', async () => {
    dynamo.on(TransactWriteCommand).resolves({});

    const result = await recordEvent(sqsEvent([sqsRecord(CREATED)]), lambdaContext());

    expect(result.batchItemFailures).toEqual([]);
    const items = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items.map((item) => item.Put?.ConditionExpression)).toEqual([
      'attribute_not_exists(pk)',
      'attribute_not_exists(pk)',
      undefined,
    ]);
    expect(items[0]?.Put?.Item).toMatchObject({ sk: `EVENTID#${CREATED?.id}` });
    expect(items[1]?.Put?.Item).toMatchObject({
      sk: `EVENT#${CREATED?.time}#${CREATED?.id}`,
      type: 'DeliveryCreated',
    });
    expect(items[2]?.Put?.Item).toMatchObject({ sk: 'OWNER', accountId: 'acct-demo' });
  });

  it('keeps the stored owner for an event that names no account', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    const { accountId: _none, ...detail } = (IN_TRANSIT?.detail ?? {}) as Record<string, unknown>;

    const result = await recordEvent(sqsEvent([sqsRecord({ ...IN_TRANSIT, detail })]), lambdaContext());

    expect(result.batchItemFailures).toEqual([]);
    const items = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items.map((item) => item.Put?.Item?.sk)).not.toContain('OWNER');
    expect(items).toHaveLength(2);
  });

  it('records a refused reschedule with its reason and change, under its owner', async () => {
    dynamo.on(TransactWriteCommand).resolves({});

    const result = await recordEvent(sqsEvent([sqsRecord(RESCHEDULE_REJECTED)]), lambdaContext());

    expect(result.batchItemFailures).toEqual([]);
    const items = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items[1]?.Put?.Item).toMatchObject({
      type: 'DeliveryRescheduleRejected',
      data: { reason: 'NoDroneAvailable', change: { dropoff: { latitude: 47.9 } } },
    });
    expect(items[2]?.Put?.Item).toMatchObject({ sk: 'OWNER', accountId: 'acct-demo' });
  });

  it('acknowledges a repeated event without error', async () => {
    dynamo.on(TransactWriteCommand).rejects(
      Object.assign(new Error('cancelled'), {
        name: 'TransactionCanceledException',
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
      }),
    );

    const result = await recordEvent(sqsEvent([sqsRecord(CREATED)]), lambdaContext());

    expect(result.batchItemFailures).toEqual([]);
  });

  it('tries again when a concurrent copy of the event cancelled the transaction, and finds it recorded', async () => {
    const cancelled = (codes: string[]) =>
      Object.assign(new Error('cancelled'), {
        name: 'TransactionCanceledException',
        CancellationReasons: codes.map((Code) => ({ Code })),
      });
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled(['TransactionConflict', 'None', 'None']))
      .rejectsOnce(cancelled(['ConditionalCheckFailed', 'None', 'None']));

    const result = await recordEvent(sqsEvent([sqsRecord(CREATED)]), lambdaContext());

    expect(result.batchItemFailures).toEqual([]);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('fails the record whose transaction keeps conflicting, after five attempts', async () => {
    const conflict = Object.assign(new Error('cancelled'), {
      name: 'TransactionCanceledException',
      CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }, { Code: 'None' }],
    });
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(conflict)
      .rejectsOnce(conflict)
      .rejectsOnce(conflict)
      .rejectsOnce(conflict)
      .rejectsOnce(conflict)
      .resolves({});

    const result = await recordEvent(
      sqsEvent([sqsRecord(CREATED, { messageId: 'm-1' }), sqsRecord(IN_TRANSIT, { messageId: 'm-2' })]),
      lambdaContext(),
    );

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(6);
  });

  it('fails only the record that is not a delivery event', async () => {
    dynamo.on(TransactWriteCommand).resolves({});

    const result = await recordEvent(
      sqsEvent([sqsRecord('not json', { messageId: 'bad' }), sqsRecord(CREATED)]),
      lambdaContext(),
    );

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });
});

describe('get-history handler', () => {
  const entry = {
    pk: 'DELIVERY#d-1',
    sk: 'EVENT#2026-05-04T16:00:00.000Z#e-1',
    eventId: 'e-1',
    type: 'DeliveryCreated',
    occurredAt: '2026-05-04T16:00:00.000Z',
    data: { deliveryId: 'd-1' },
    correlationId: 'c-1',
  };

  it('answers the owner with the entries oldest first', async () => {
    dynamo.on(GetCommand).resolves({ Item: { accountId: 'acct-demo' } });
    dynamo.on(QueryCommand).resolves({ Items: [entry] });

    const result = await getHistory(
      apiEvent({ pathParameters: { deliveryId: 'd-1' }, claims: claimsFor('acct-demo') }),
      lambdaContext(),
    );

    expect(JSON.parse(result.body ?? '{}')).toEqual({
      items: [
        {
          eventId: 'e-1',
          type: 'DeliveryCreated',
          occurredAt: entry.occurredAt,
          data: entry.data,
          correlationId: 'c-1',
        },
      ],
    });
    expect(dynamo.commandCalls(QueryCommand)[0]?.args[0].input.ScanIndexForward).toBe(true);
  });

  it('answers 404 to another account', async () => {
    dynamo.on(GetCommand).resolves({ Item: { accountId: 'acct-other' } });

    const result = await getHistory(
      apiEvent({ pathParameters: { deliveryId: 'd-1' }, claims: claimsFor('acct-demo') }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(404);
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('gives a token when more entries follow', async () => {
    dynamo.on(GetCommand).resolves({ Item: { accountId: 'acct-demo' } });
    dynamo.on(QueryCommand).resolves({ Items: [entry, { ...entry, sk: `${entry.sk}x`, eventId: 'e-2' }] });

    const result = await getHistory(
      apiEvent({
        pathParameters: { deliveryId: 'd-1' },
        claims: claimsFor('acct-demo'),
        queryStringParameters: { limit: '1' },
      }),
      lambdaContext(),
    );

    expect(JSON.parse(result.body ?? '{}').nextToken).toBe(
      encodeHistoryToken({ pk: entry.pk, sk: entry.sk }),
    );
  });

  it.each<Record<string, string>>([{ limit: '0' }, { nextToken: 'garbage' }])(
    'refuses the query %o with 400',
    async (query) => {
      const result = await getHistory(
        apiEvent({
          pathParameters: { deliveryId: 'd-1' },
          claims: claimsFor('acct-demo'),
          queryStringParameters: query,
        }),
        lambdaContext(),
      );

      expect(result.statusCode).toBe(400);
    },
  );
});
