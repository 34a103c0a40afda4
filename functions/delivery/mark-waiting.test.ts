import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { apiEvent, lambdaContext } from '../../test/support/lambda.ts';
import { DeliveryRecord, toStatusBody } from './core/model.ts';
import { handler as markWaiting } from './mark-waiting.ts';
import { DeliveryStatus } from './schemas.ts';
import { storedDelivery } from './test-support/items.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const eventBridge = mockClient(EventBridgeClient);

afterEach(() => {
  dynamo.reset();
  eventBridge.reset();
});

const body = (result: { body?: string }) => JSON.parse(result.body ?? '{}');
const path = { pathParameters: { deliveryId: 'd-1' } };
const wait = { for: 'drone', until: '2026-05-04T17:00:00Z' };

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

describe('mark-waiting', () => {
  it('shows a Requested delivery waiting for a drone until the time given, publishing nothing', async () => {
    const before = storedDelivery({ stage: 'Requested' });
    dynamo.on(GetCommand).resolves({ Item: before });
    dynamo.on(UpdateCommand).callsFake(() => ({ Attributes: { ...before, ...fieldsWritten(), version: 2 } }));

    const result = await markWaiting(apiEvent({ method: 'PUT', ...path, body: wait }), lambdaContext());

    expect(result.statusCode).toBe(200);
    expect(fieldsWritten()).toMatchObject({ waiting: { for: 'drone', until: '2026-05-04T17:00:00.000Z' } });
    expect(body(result)).toMatchObject({
      stage: 'Requested',
      waiting: { for: 'drone', until: '2026-05-04T17:00:00.000Z' },
    });
    expect(DeliveryStatus.safeParse(body(result)).success).toBe(true);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('changes nothing when told the same wait again', async () => {
    dynamo.on(GetCommand).resolves({
      Item: storedDelivery({
        stage: 'Requested',
        waiting: { for: 'drone', until: '2026-05-04T17:00:00.000Z' },
      }),
    });

    const result = await markWaiting(apiEvent({ method: 'PUT', ...path, body: wait }), lambdaContext());

    expect(result.statusCode).toBe(200);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it.each(['Scheduled', 'Cancelled', 'Failed'] as const)(
    'answers 409 for a %s delivery, writing nothing',
    async (stage) => {
      dynamo.on(GetCommand).resolves({ Item: storedDelivery({ stage }) });

      const result = await markWaiting(apiEvent({ method: 'PUT', ...path, body: wait }), lambdaContext());

      expect(result.statusCode).toBe(409);
      expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
    },
  );

  it.each([{ for: 'package', until: wait.until }, { for: 'drone', until: 'soon' }, { for: 'drone' }])(
    'refuses the body %o with 400 and touches nothing',
    async (invalid) => {
      const result = await markWaiting(apiEvent({ method: 'PUT', ...path, body: invalid }), lambdaContext());

      expect(result.statusCode).toBe(400);
      expect(dynamo.calls()).toHaveLength(0);
    },
  );

  it('answers 404 for an unknown delivery', async () => {
    dynamo.on(GetCommand).resolves({});

    const result = await markWaiting(apiEvent({ method: 'PUT', ...path, body: wait }), lambdaContext());

    expect(result.statusCode).toBe(404);
  });
});

describe('the status of a delivery that waited', () => {
  it('no longer shows the wait once the delivery is scheduled, failed or cancelled', () => {
    for (const stage of ['Scheduled', 'Failed', 'Cancelled'] as const) {
      const record = DeliveryRecord.parse(
        storedDelivery({ stage, waiting: { for: 'drone', until: '2026-05-04T17:00:00.000Z' } }),
      );

      expect(toStatusBody(record), stage).not.toHaveProperty('waiting');
    }
  });
});
