import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDetail } from '../../events/schemas.ts';
import { apiEvent, claimsFor, lambdaContext } from '../../test/support/lambda.ts';
import { handler as cancelDelivery } from './cancel-delivery.ts';
import { handler as failDelivery } from './fail-delivery.ts';
import { handler as getDelivery } from './get-delivery.ts';
import { handler as getDeliveryInternal } from './get-delivery-internal.ts';
import { handler as listDeliveries } from './list-deliveries.ts';
import { handler as listSubscriptions } from './list-subscriptions.ts';
import { handler as putDelivery } from './put-delivery.ts';
import { handler as rejectReschedule } from './reject-reschedule.ts';
import { handler as requestNotification } from './request-notification.ts';
import { handler as rescheduleDelivery } from './reschedule-delivery.ts';
import { handler as scheduleDelivery } from './schedule-delivery.ts';
import { newDelivery } from './test-support/fakes.ts';
import { storedDelivery } from './test-support/items.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const eventBridge = mockClient(EventBridgeClient);

afterEach(() => {
  dynamo.reset();
  eventBridge.reset();
});

const body = (result: { body?: string }) => JSON.parse(result.body ?? '{}');

/** The fields an UpdateCommand sets, by name (`#f<n> = :v<n>`), read from its first call. */
function fieldsWritten(): Record<string, unknown> {
  const input = dynamo.commandCalls(UpdateCommand)[0]?.args[0].input;
  const names = input?.ExpressionAttributeNames ?? {};
  const values = input?.ExpressionAttributeValues ?? {};
  return Object.fromEntries(
    Object.entries(names)
      .filter(([placeholder]) => placeholder.startsWith('#f'))
      .map(([placeholder, field]) => [field, values[`:v${placeholder.slice(2)}`]]),
  );
}
const path = (deliveryId = 'd-1') => ({ pathParameters: { deliveryId } });

describe('put-delivery', () => {
  it('creates the delivery as Requested and answers its status', async () => {
    dynamo.on(PutCommand).resolves({});

    const result = await putDelivery(
      apiEvent({ method: 'PUT', ...path(), body: newDelivery() }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(200);
    expect(body(result)).toMatchObject({ deliveryId: 'd-1', stage: 'Requested', accountId: 'acct-demo' });
    expect(body(result).version).toBeUndefined();
    expect(dynamo.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({
      gsi1pk: 'ACCOUNT#acct-demo',
      stage: 'Requested',
    });
  });

  it('refuses a body without an account with 400 and writes nothing', async () => {
    const { accountId: _none, ...withoutAccount } = newDelivery();

    const result = await putDelivery(
      apiEvent({ method: 'PUT', ...path(), body: withoutAccount }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(400);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('refuses a malformed delivery id with 400', async () => {
    const result = await putDelivery(
      apiEvent({ method: 'PUT', ...path('bad id!'), body: newDelivery() }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(400);
  });
});

describe('schedule-delivery', () => {
  const assignment = {
    droneId: 'drone-001',
    pickupEta: '2026-05-04T16:04:00Z',
    deliveryEta: '2026-05-04T16:15:00Z',
  };

  it('schedules a Requested delivery and publishes a valid DeliveryCreated', async () => {
    dynamo.on(GetCommand).resolves({ Item: storedDelivery() });
    dynamo.on(UpdateCommand).callsFake((input) => ({
      Attributes: storedDelivery({
        stage: 'Scheduled',
        ...assignment,
        version: 2,
        pendingKey: 'v2',
        pendingEvents: input.ExpressionAttributeValues[':pendingEvents'],
      }),
    }));
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });

    const result = await scheduleDelivery(
      apiEvent({ method: 'PUT', ...path(), body: assignment, headers: { 'x-correlation-id': 'corr-9' } }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(200);
    const entry = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry?.DetailType).toBe('DeliveryCreated');
    expect(entry?.Source).toBe('drone-delivery.deliveries');
    expect(parseDetail('DeliveryCreated', JSON.parse(entry?.Detail ?? '{}')).metadata.correlationId).toBe(
      'corr-9',
    );
  });

  it('answers 409 for a Completed delivery without writing', async () => {
    dynamo.on(GetCommand).resolves({ Item: storedDelivery({ stage: 'Completed' }) });

    const result = await scheduleDelivery(
      apiEvent({ method: 'PUT', ...path(), body: assignment }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(409);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('answers 503 when the event cannot be published', async () => {
    dynamo.on(GetCommand).resolves({ Item: storedDelivery() });
    dynamo.on(UpdateCommand).resolves({
      Attributes: storedDelivery({
        stage: 'Scheduled',
        ...assignment,
        version: 2,
        pendingKey: 'v2',
        pendingEvents: [
          {
            eventId: 'ev-1',
            detailType: 'DeliveryCreated',
            data: { deliveryId: 'd-1' },
            correlationId: 'c',
            occurredAt: '2026-05-04T15:00:01.000Z',
          },
        ],
      }),
    });
    eventBridge.on(PutEventsCommand).rejects(new Error('down'));

    const result = await scheduleDelivery(
      apiEvent({ method: 'PUT', ...path(), body: assignment }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(503);
  });

  it('answers 404 for an unknown delivery', async () => {
    dynamo.on(GetCommand).resolves({});

    const result = await scheduleDelivery(
      apiEvent({ method: 'PUT', ...path(), body: assignment }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(404);
  });
});

describe('reschedule-delivery', () => {
  const plan = {
    requestId: 'req-1',
    pickupTime: '2026-05-04T17:00:00Z',
    deadline: '2026-05-04T19:00:00Z',
    dropoff: { latitude: 47.61, longitude: -122.3, altitude: 0 },
    droneId: 'drone-007',
    pickupEta: '2026-05-04T17:04:00Z',
    deliveryEta: '2026-05-04T17:15:00Z',
  };

  it('applies the whole plan in one write and publishes a valid DeliveryRescheduled', async () => {
    dynamo.on(GetCommand).resolves({ Item: storedDelivery({ stage: 'Scheduled', droneId: 'drone-001' }) });
    dynamo.on(UpdateCommand).callsFake((input) => ({
      Attributes: storedDelivery({
        stage: 'Rescheduled',
        droneId: 'drone-007',
        version: 2,
        pendingKey: 'v2',
        pendingEvents: input.ExpressionAttributeValues[':pendingEvents'],
      }),
    }));
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });

    const result = await rescheduleDelivery(
      apiEvent({ method: 'PUT', ...path(), body: plan }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(200);
    expect(body(result)).toMatchObject({ stage: 'Rescheduled', droneId: 'drone-007' });
    expect(fieldsWritten()).toMatchObject({
      stage: 'Rescheduled',
      droneId: 'drone-007',
      deadline: '2026-05-04T19:00:00.000Z',
      handledRequests: ['req-1'],
    });
    const entry = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry?.DetailType).toBe('DeliveryRescheduled');
    expect(parseDetail('DeliveryRescheduled', JSON.parse(entry?.Detail ?? '{}'))).toMatchObject({
      requestId: 'req-1',
      droneId: 'drone-007',
      deliveryEta: '2026-05-04T17:15:00.000Z',
    });
  });

  it('answers a request already handled with 200 and the current status, writing nothing', async () => {
    dynamo.on(GetCommand).resolves({
      Item: storedDelivery({ stage: 'Rescheduled', droneId: 'drone-007', handledRequests: ['req-1'] }),
    });

    const result = await rescheduleDelivery(
      apiEvent({ method: 'PUT', ...path(), body: plan }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(200);
    expect(body(result)).toMatchObject({ stage: 'Rescheduled', droneId: 'drone-007' });
    expect(body(result).handledRequests).toBeUndefined();
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('answers 409 delivery-stage-conflict once the delivery is in flight', async () => {
    dynamo.on(GetCommand).resolves({ Item: storedDelivery({ stage: 'InTransit' }) });

    const result = await rescheduleDelivery(
      apiEvent({ method: 'PUT', ...path(), body: plan }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(409);
    expect(body(result).type).toMatch(/delivery-stage-conflict$/);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('answers 422 for a deadline before the pickup, reading nothing', async () => {
    const result = await rescheduleDelivery(
      apiEvent({ method: 'PUT', ...path(), body: { ...plan, deadline: '2026-05-04T16:00:00Z' } }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(422);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it.each(['requestId', 'droneId', 'pickupEta', 'deliveryEta', 'dropoff', 'pickupTime', 'deadline'])(
    'refuses a plan without %s with 400',
    async (field) => {
      const { [field as keyof typeof plan]: _dropped, ...partial } = plan;

      const result = await rescheduleDelivery(
        apiEvent({ method: 'PUT', ...path(), body: partial }),
        lambdaContext(),
      );

      expect(result.statusCode).toBe(400);
      expect(dynamo.calls()).toHaveLength(0);
    },
  );

  it('answers 404 for an unknown delivery', async () => {
    dynamo.on(GetCommand).resolves({});

    const result = await rescheduleDelivery(
      apiEvent({ method: 'PUT', ...path(), body: plan }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(404);
  });
});

describe('reject-reschedule', () => {
  const refusal = {
    requestId: 'req-1',
    reason: 'NoDroneAvailable',
    detail: 'no drone for the new window',
    change: { deadline: '2026-05-04T19:00:00Z' },
  };

  it('keeps the delivery as it is and publishes a valid DeliveryRescheduleRejected', async () => {
    const before = storedDelivery({ stage: 'Scheduled', droneId: 'drone-001' });
    dynamo.on(GetCommand).resolves({ Item: before });
    dynamo.on(UpdateCommand).callsFake((input) => ({
      Attributes: {
        ...before,
        handledRequests: ['req-1'],
        version: 2,
        pendingKey: 'v2',
        pendingEvents: input.ExpressionAttributeValues[':pendingEvents'],
      },
    }));
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });

    const result = await rejectReschedule(
      apiEvent({ method: 'PUT', ...path(), body: refusal, headers: { 'x-correlation-id': 'corr-7' } }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(200);
    expect(body(result)).toMatchObject({
      stage: 'Scheduled',
      droneId: 'drone-001',
      updatedAt: before.updatedAt,
    });
    expect(fieldsWritten()).toEqual({ updatedAt: before.updatedAt, handledRequests: ['req-1'] });
    const entry = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry?.DetailType).toBe('DeliveryRescheduleRejected');
    expect(parseDetail('DeliveryRescheduleRejected', JSON.parse(entry?.Detail ?? '{}'))).toMatchObject({
      deliveryId: 'd-1',
      reason: 'NoDroneAvailable',
      change: { deadline: '2026-05-04T19:00:00.000Z' },
      requestId: 'req-1',
      metadata: { correlationId: 'corr-7' },
    });
  });

  it('answers a refusal already told with 200, writing and publishing nothing', async () => {
    dynamo
      .on(GetCommand)
      .resolves({ Item: storedDelivery({ stage: 'Scheduled', handledRequests: ['req-1'] }) });

    const result = await rejectReschedule(
      apiEvent({ method: 'PUT', ...path(), body: refusal }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(200);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it.each([
    { ...refusal, reason: 'Weather' },
    { ...refusal, reason: 'RetriesExhausted' },
    { ...refusal, requestId: '' },
    { ...refusal, change: { deadline: 'tomorrow' } },
    { ...refusal, change: { dropoff: { latitude: 91, longitude: 0, altitude: 0 } } },
    { requestId: 'req-1', reason: 'NoDroneAvailable' },
  ])('refuses the body %o with 400 and touches nothing', async (invalid) => {
    const result = await rejectReschedule(
      apiEvent({ method: 'PUT', ...path(), body: invalid }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(400);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('answers 404 for an unknown delivery', async () => {
    dynamo.on(GetCommand).resolves({});

    const result = await rejectReschedule(
      apiEvent({ method: 'PUT', ...path(), body: refusal }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(404);
  });
});

describe('cancel-delivery', () => {
  it('cancels with the reason from the query and publishes DeliveryCancelled', async () => {
    dynamo.on(GetCommand).resolves({ Item: storedDelivery({ stage: 'Scheduled' }) });
    dynamo.on(UpdateCommand).callsFake((input) => ({
      Attributes: storedDelivery({
        stage: 'Cancelled',
        version: 2,
        pendingKey: 'v2',
        pendingEvents: input.ExpressionAttributeValues[':pendingEvents'],
      }),
    }));
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });

    const result = await cancelDelivery(
      apiEvent({ method: 'DELETE', ...path(), queryStringParameters: { reason: 'customer' } }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(200);
    const entry = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(parseDetail('DeliveryCancelled', JSON.parse(entry?.Detail ?? '{}')).reason).toBe('customer');
  });

  it('answers an already Cancelled delivery with 200 and publishes nothing', async () => {
    dynamo.on(GetCommand).resolves({ Item: storedDelivery({ stage: 'Cancelled' }) });

    const result = await cancelDelivery(apiEvent({ method: 'DELETE', ...path() }), lambdaContext());

    expect(result.statusCode).toBe(200);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('answers 409 for a Completed delivery', async () => {
    dynamo.on(GetCommand).resolves({ Item: storedDelivery({ stage: 'Completed' }) });

    const result = await cancelDelivery(apiEvent({ method: 'DELETE', ...path() }), lambdaContext());

    expect(result.statusCode).toBe(409);
  });
});

describe('fail-delivery', () => {
  it('refuses an unknown failure reason with 400', async () => {
    const result = await failDelivery(
      apiEvent({ method: 'PUT', ...path(), body: { reason: 'Bored' } }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(400);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('marks the delivery Failed and shows the reason', async () => {
    dynamo.on(GetCommand).resolves({ Item: storedDelivery() });
    dynamo.on(UpdateCommand).callsFake((input) => ({
      Attributes: storedDelivery({
        stage: 'Failed',
        failureReason: 'NoDroneAvailable',
        version: 2,
        pendingKey: 'v2',
        pendingEvents: input.ExpressionAttributeValues[':pendingEvents'],
      }),
    }));
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });

    const result = await failDelivery(
      apiEvent({ method: 'PUT', ...path(), body: { reason: 'NoDroneAvailable' } }),
      lambdaContext(),
    );

    expect(body(result)).toMatchObject({ stage: 'Failed', failureReason: 'NoDroneAvailable' });
    const entry = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(parseDetail('DeliveryFailed', JSON.parse(entry?.Detail ?? '{}')).reason).toBe('NoDroneAvailable');
  });
});

describe('get-delivery-internal', () => {
  it('answers any delivery', async () => {
    dynamo.on(GetCommand).resolves({ Item: storedDelivery({ accountId: 'acct-x' }) });

    const result = await getDeliveryInternal(apiEvent(path()), lambdaContext());

    expect(body(result)).toMatchObject({ deliveryId: 'd-1', accountId: 'acct-x' });
  });

  it('answers 404 for an unknown delivery', async () => {
    dynamo.on(GetCommand).resolves({});

    const result = await getDeliveryInternal(apiEvent(path()), lambdaContext());

    expect(result.statusCode).toBe(404);
  });
});

describe('list-subscriptions', () => {
  it('lists subscription id, channel and target', async () => {
    dynamo.on(QueryCommand).resolves({
      Items: [
        {
          pk: 'DELIVERY#d-1',
          sk: 'SUBSCRIPTION#sub-1',
          subscriptionId: 'sub-1',
          deliveryId: 'd-1',
          accountId: 'acct-demo',
          channel: 'sms',
          target: '+14155550123',
          createdAt: '2026-05-04T15:00:00.000Z',
        },
      ],
    });

    const result = await listSubscriptions(apiEvent(path()), lambdaContext());

    expect(body(result)).toEqual({
      items: [{ subscriptionId: 'sub-1', channel: 'sms', target: '+14155550123' }],
    });
  });
});

describe('get-delivery', () => {
  it("answers the caller's own delivery with the status body", async () => {
    dynamo.on(GetCommand).resolves({ Item: storedDelivery({ droneId: 'drone-001', stage: 'Scheduled' }) });

    const result = await getDelivery(
      apiEvent({ ...path(), claims: claimsFor('acct-demo') }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(200);
    expect(Object.keys(body(result)).sort()).toEqual(
      [
        'deliveryId',
        'accountId',
        'stage',
        'pickup',
        'dropoff',
        'pickupTime',
        'deadline',
        'expedited',
        'confirmationRequired',
        'package',
        'droneId',
        'createdAt',
        'updatedAt',
      ].sort(),
    );
  });

  it("answers 404, not 403, for another account's delivery", async () => {
    dynamo.on(GetCommand).resolves({ Item: storedDelivery({ accountId: 'acct-other' }) });

    const result = await getDelivery(
      apiEvent({ ...path(), claims: claimsFor('acct-demo') }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(404);
  });
});

describe('list-deliveries', () => {
  it('queries the account index newest first with the limit', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [storedDelivery()] });

    const result = await listDeliveries(
      apiEvent({ claims: claimsFor('acct-demo'), queryStringParameters: { limit: '5' } }),
      lambdaContext(),
    );

    expect(body(result)).toMatchObject({ items: [{ deliveryId: 'd-1' }] });
    expect(dynamo.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      IndexName: 'byAccount',
      ScanIndexForward: false,
      Limit: 6,
      ExpressionAttributeValues: { ':account': 'ACCOUNT#acct-demo' },
    });
  });

  it.each<Record<string, string>>([
    { limit: '0' },
    { limit: '101' },
    { limit: 'ten' },
    { nextToken: 'forged' },
    { page: '2' },
  ])('refuses the query %o with 400', async (query) => {
    const result = await listDeliveries(
      apiEvent({ claims: claimsFor('acct-demo'), queryStringParameters: query }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(400);
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
  });
});

describe('request-notification', () => {
  const cancelled = (codes: string[]) =>
    Object.assign(new Error('cancelled'), {
      name: 'TransactionCanceledException',
      CancellationReasons: codes.map((Code) => ({ Code })),
    });
  const subscribe = (request: Record<string, unknown>) =>
    requestNotification(
      apiEvent({ method: 'POST', ...path(), claims: claimsFor('acct-demo'), body: request }),
      lambdaContext(),
    );

  it('subscribes and answers 201 with the subscription', async () => {
    dynamo.on(GetCommand).resolves({ Item: storedDelivery() });
    dynamo.on(TransactWriteCommand).resolves({});

    const result = await subscribe({ channel: 'sms', target: '+14155550123' });

    expect(result.statusCode).toBe(201);
    expect(body(result)).toMatchObject({ channel: 'sms', target: '+14155550123' });
    expect(body(result).subscriptionId).toMatch(/^sub-/);
  });

  it('writes the subscription and the counter conditionally in one transaction', async () => {
    dynamo.on(GetCommand).resolves({ Item: storedDelivery() });
    dynamo.on(TransactWriteCommand).resolves({});

    await subscribe({ channel: 'email', target: 'Ann@Example.com' });

    const [put, count] = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(put?.Put).toMatchObject({
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: { pk: 'DELIVERY#d-1', target: 'ann@example.com', channel: 'email' },
    });
    expect(count?.Update).toMatchObject({
      Key: { pk: 'DELIVERY#d-1', sk: 'SUBSCRIPTIONS' },
      ExpressionAttributeValues: { ':one': 1, ':limit': 10 },
    });
  });

  it('answers 409 subscription-limit when the delivery has 10 already', async () => {
    dynamo.on(GetCommand).resolves({ Item: storedDelivery() });
    dynamo.on(TransactWriteCommand).rejects(cancelled(['None', 'ConditionalCheckFailed']));

    const result = await subscribe({ channel: 'sms', target: '+14155550123' });

    expect(result.statusCode).toBe(409);
    expect(body(result).type).toMatch(/subscription-limit$/);
  });

  it('answers a target already subscribed with its stored subscription', async () => {
    const stored = {
      pk: 'DELIVERY#d-1',
      sk: 'SUBSCRIPTION#sub-stored',
      subscriptionId: 'sub-stored',
      deliveryId: 'd-1',
      accountId: 'acct-demo',
      channel: 'sms',
      target: '+14155550123',
      createdAt: '2026-05-04T15:00:00.000Z',
    };
    dynamo.on(GetCommand).resolvesOnce({ Item: storedDelivery() }).resolves({ Item: stored });
    dynamo.on(TransactWriteCommand).rejects(cancelled(['ConditionalCheckFailed', 'ConditionalCheckFailed']));

    const result = await subscribe({ channel: 'sms', target: '+14155550123' });

    expect(result.statusCode).toBe(201);
    expect(body(result)).toEqual({ subscriptionId: 'sub-stored', channel: 'sms', target: '+14155550123' });
  });

  it('tries again when a concurrent subscription holds the counter', async () => {
    dynamo.on(GetCommand).resolves({ Item: storedDelivery() });
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled(['None', 'TransactionConflict']))
      .resolves({});

    const result = await subscribe({ channel: 'sms', target: '+14155550123' });

    expect(result.statusCode).toBe(201);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('answers 503 when the counter stays contended', async () => {
    dynamo.on(GetCommand).resolves({ Item: storedDelivery() });
    dynamo.on(TransactWriteCommand).rejects(cancelled(['None', 'TransactionConflict']));

    const result = await subscribe({ channel: 'sms', target: '+14155550123' });

    expect(result.statusCode).toBe(503);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(8);
  });

  it.each([
    { channel: 'email', target: 'not-an-address' },
    { channel: 'email', target: 'ann@' },
    { channel: 'email', target: 'ann example@example.com' },
    { channel: 'email', target: '+14155550123' },
    { channel: 'sms', target: '4155550123' },
    { channel: 'sms', target: '+0123456789' },
    { channel: 'sms', target: '+1 415 555 0123' },
    { channel: 'sms', target: '+1415555012345678' },
    { channel: 'sms', target: 'ann@example.com' },
    { channel: 'pigeon', target: 'roof' },
    { channel: 'email' },
    { channel: 'email', target: 'a@example.com', extra: true },
  ])('refuses %o with 400 and writes nothing', async (request) => {
    dynamo.on(GetCommand).resolves({ Item: storedDelivery() });

    const result = await requestNotification(
      apiEvent({ method: 'POST', ...path(), claims: claimsFor('acct-demo'), body: request }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(400);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('refuses a body that is not JSON with 400', async () => {
    const result = await requestNotification(
      apiEvent({ method: 'POST', ...path(), claims: claimsFor('acct-demo'), rawBody: '{"channel":' }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(400);
  });

  it("answers 404 for another account's delivery and writes nothing", async () => {
    dynamo.on(GetCommand).resolves({ Item: storedDelivery({ accountId: 'acct-other' }) });

    const result = await requestNotification(
      apiEvent({
        method: 'POST',
        ...path(),
        claims: claimsFor('acct-demo'),
        body: { channel: 'email', target: 'a@example.com' },
      }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(404);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});
