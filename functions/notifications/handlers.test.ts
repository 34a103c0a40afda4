import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadFixture } from '../../events/fixtures.ts';
import { ConfigError } from '../../shared/config.ts';
import { lambdaContext, sqsEvent, sqsRecord } from '../../test/support/lambda.ts';
import { chooseSender, handler } from './send-notifications.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
afterEach(() => {
  dynamo.reset();
  vi.restoreAllMocks();
});

const [CREATED] = loadFixture('events/fixtures/DeliveryCreated.json');
const [RESCHEDULE_REJECTED] = loadFixture('events/fixtures/DeliveryRescheduleRejected.json');

function subscriptionsAnswer(items: unknown[]) {
  return vi
    .spyOn(globalThis, 'fetch')
    .mockImplementation(async () => new Response(JSON.stringify({ items }), { status: 200 }));
}

describe('send-notifications handler', () => {
  it('asks the Delivery service for the subscriptions with a signed request', async () => {
    const fetch = subscriptionsAnswer([]);

    const result = await handler(sqsEvent([sqsRecord(CREATED)]), lambdaContext());

    expect(result.batchItemFailures).toEqual([]);
    const [url, init] = fetch.mock.calls[0] ?? [];
    expect(String(url)).toBe(
      `https://internal.execute-api.us-east-1.amazonaws.com/deliveries/${CREATED?.detail.deliveryId}/subscriptions`,
    );
    expect(((init?.headers ?? {}) as Record<string, string>).authorization).toMatch(/^AWS4-HMAC-SHA256/);
  });

  it('claims, records and settles one message per subscription', async () => {
    subscriptionsAnswer([{ subscriptionId: 'sub-1', channel: 'email', target: 'ann@example.com' }]);
    dynamo.on(PutCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({});

    const result = await handler(sqsEvent([sqsRecord(CREATED)]), lambdaContext());

    expect(result.batchItemFailures).toEqual([]);
    expect(dynamo.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({
      pk: `SENT#${CREATED?.id}#sub-1`,
      status: 'sending',
      target: 'ann@example.com',
    });
    const updates = dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input.UpdateExpression);
    expect(updates).toEqual([expect.stringContaining('recordedMessage'), expect.stringContaining('#status')]);
  });

  it("tells a subscriber that the delivery's change was refused", async () => {
    subscriptionsAnswer([{ subscriptionId: 'sub-1', channel: 'sms', target: '+14155550123' }]);
    dynamo.on(PutCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({});

    const result = await handler(sqsEvent([sqsRecord(RESCHEDULE_REJECTED)]), lambdaContext());

    expect(result.batchItemFailures).toEqual([]);
    expect(dynamo.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({
      pk: `SENT#${RESCHEDULE_REJECTED?.id}#sub-1`,
      text: expect.stringMatching(
        /was refused: no drone is free for the new plan\. Its plan is unchanged\.$/,
      ),
    });
  });

  it('sends nothing for a message already sent', async () => {
    subscriptionsAnswer([{ subscriptionId: 'sub-1', channel: 'email', target: 'ann@example.com' }]);
    dynamo
      .on(PutCommand)
      .rejects(Object.assign(new Error('exists'), { name: 'ConditionalCheckFailedException' }));
    dynamo.on(GetCommand).resolves({ Item: { status: 'sent' } });

    const result = await handler(sqsEvent([sqsRecord(CREATED)]), lambdaContext());

    expect(result.batchItemFailures).toEqual([]);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('fails only the record whose subscriptions cannot be read', async () => {
    vi.spyOn(globalThis, 'fetch')
      .mockImplementationOnce(async () => new Response('{}', { status: 403 }))
      .mockImplementation(async () => new Response(JSON.stringify({ items: [] }), { status: 200 }));

    const result = await handler(
      sqsEvent([sqsRecord(CREATED, { messageId: 'm-1' }), sqsRecord(CREATED, { messageId: 'm-2' })]),
      lambdaContext(),
    );

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
  });
});

describe('chooseSender', () => {
  const settings = {
    TABLE_NAME: 'test-table',
    INTERNAL_API_URL: 'https://internal.example.com',
    AWS_REGION: 'us-east-1',
  };

  it('refuses the aws sender without a from address', () => {
    expect(() => chooseSender({ ...settings, NOTIFICATION_SENDER: 'aws' })).toThrow(ConfigError);
  });

  it('builds the aws sender with a from address', () => {
    const sender = chooseSender({
      ...settings,
      NOTIFICATION_SENDER: 'aws',
      NOTIFICATION_FROM_ADDRESS: 'no-reply@example.com',
    });

    expect(typeof sender.send).toBe('function');
  });
});
