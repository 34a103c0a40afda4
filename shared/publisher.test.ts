import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { withCorrelationId } from './correlation.ts';
import { catalogEvent, createEventPublisher, PublishError } from './publisher.ts';

const eventBridge = mockClient(EventBridgeClient);
const event = (n: number) => ({
  source: 'test.source',
  detailType: 'ThingHappened',
  schemaVersion: '1',
  data: { n },
  eventId: `event-${n}`,
});

describe('createEventPublisher', () => {
  afterEach(() => eventBridge.reset());

  it('puts the event on the bus with its metadata', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
    const publisher = createEventPublisher(new EventBridgeClient({}), 'bus');

    await withCorrelationId('corr-1', () => publisher.publish([{ ...event(1), causationId: 'cause-1' }]));

    const input = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input;
    expect(input?.Entries?.[0]).toMatchObject({
      EventBusName: 'bus',
      Source: 'test.source',
      DetailType: 'ThingHappened',
    });
    expect(JSON.parse(input?.Entries?.[0]?.Detail ?? '{}')).toEqual({
      n: 1,
      metadata: {
        eventId: 'event-1',
        correlationId: 'corr-1',
        causationId: 'cause-1',
        schemaVersion: '1',
        occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      },
    });
  });

  it('publishes an event again with the same eventId and time', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
    const publisher = createEventPublisher(new EventBridgeClient({}), 'bus');
    const stored = { ...event(1), occurredAt: '2030-01-01T10:00:00.123Z' };

    await withCorrelationId('corr-1', () => publisher.publish([stored]));
    await withCorrelationId('corr-1', () => publisher.publish([stored]));

    const details = eventBridge
      .commandCalls(PutEventsCommand)
      .map((call) => JSON.parse(call.args[0].input.Entries?.[0]?.Detail ?? '{}').metadata);
    expect(details).toEqual([details[0], details[0]]);
    expect(details[0]).toMatchObject({ eventId: 'event-1', occurredAt: '2030-01-01T10:00:00.123Z' });
  });

  it('sends at most ten entries per call', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    const publisher = createEventPublisher(new EventBridgeClient({}), 'bus');

    await publisher.publish(Array.from({ length: 12 }, (_, n) => event(n)));

    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls.map((call) => call.args[0].input.Entries?.length)).toEqual([10, 2]);
  });

  it('fails when EventBridge refuses an entry', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
    });
    const publisher = createEventPublisher(new EventBridgeClient({}), 'bus');

    const publishing = publisher.publish([event(1)]);

    await expect(publishing).rejects.toThrow(PublishError);
    await expect(publishing).rejects.toMatchObject({
      failures: [{ detailType: 'ThingHappened', errorCode: 'InternalFailure', errorMessage: 'try again' }],
    });
  });
});

describe('catalogEvent', () => {
  it("takes the detail-type's source and schema version from the catalog", () => {
    expect(
      catalogEvent('DroneStatusChanged', { droneId: 'drone-1' }, { eventId: 'ev-1', causationId: 'cause-1' }),
    ).toEqual({
      source: 'drone-delivery.drones',
      detailType: 'DroneStatusChanged',
      schemaVersion: '1',
      data: { droneId: 'drone-1' },
      eventId: 'ev-1',
      causationId: 'cause-1',
    });
    expect(catalogEvent('DeliveryCreated', {})).not.toHaveProperty('causationId');
  });

  it('gives an event without an id a new one', () => {
    const first = catalogEvent('DeliveryCreated', {});
    const second = catalogEvent('DeliveryCreated', {});

    expect(first.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.eventId).not.toBe(first.eventId);
  });
});
