import { randomUUID } from 'node:crypto';
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { type DetailType, schemaVersionOf, sourceOf } from '../events/catalog.ts';
import { currentCorrelationId } from './correlation.ts';
import { logger } from './observability.ts';

/** One event to publish: its data and the catalog's source, detail-type and schema version. */
export interface OutgoingEvent {
  source: string;
  detailType: string;
  schemaVersion: string;
  data: Record<string, unknown>;
  /**
   * `metadata.eventId`: names the logical event and stays the same however often it is published
   * (an outbox flushed twice, a retried call), so consumers deduplicate on it. EventBridge's envelope
   * `id` changes on every PutEvents and cannot serve.
   */
  eventId: string;
  /** `metadata.occurredAt`: when the fact happened, fixed with the event (defaults to publish time). */
  occurredAt?: string;
  /** The id of the event or request that caused this one. */
  causationId?: string;
  resources?: string[];
}

/** The identity of an event that is published again: its id, its time and what caused it. */
export interface EventIdentity {
  eventId?: string | undefined;
  occurredAt?: string | undefined;
  causationId?: string | undefined;
}

/**
 * An event of the catalog: its source and schema version come from `events/catalog.ts`. Without an
 * `eventId` it gets a new one: right for an event published once, from one call; an event that may be
 * published again (an outbox) must carry the id it was stored with.
 */
export function catalogEvent(
  detailType: DetailType,
  data: Record<string, unknown>,
  identity: EventIdentity = {},
): OutgoingEvent {
  return {
    source: sourceOf(detailType),
    detailType,
    schemaVersion: schemaVersionOf(detailType),
    data,
    eventId: identity.eventId ?? randomUUID(),
    ...(identity.occurredAt === undefined ? {} : { occurredAt: identity.occurredAt }),
    ...(identity.causationId === undefined ? {} : { causationId: identity.causationId }),
  };
}

/** Publishes events to the bus; rejects unless every entry was accepted. */
export interface EventPublisher {
  publish(events: OutgoingEvent[]): Promise<void>;
}

/** Raised when PutEvents accepted the call but refused one or more entries. */
export class PublishError extends Error {
  override readonly name = 'PublishError';
  constructor(
    message: string,
    readonly failures: Array<{ detailType: string; errorCode?: string; errorMessage?: string }>,
  ) {
    super(message);
  }
}

const MAX_ENTRIES_PER_CALL = 10;

/** Builds the EventBridge publisher: adds the metadata envelope and checks FailedEntryCount. */
export function createEventPublisher(client: EventBridgeClient, busName: string): EventPublisher {
  return {
    async publish(events) {
      const correlationId = currentCorrelationId();
      // EventBridge's `time` has whole seconds: consumers order events of one second by this.
      const publishedAt = new Date().toISOString();
      const entries: PutEventsRequestEntry[] = events.map((event) => ({
        EventBusName: busName,
        Source: event.source,
        DetailType: event.detailType,
        Resources: event.resources,
        ...(event.occurredAt === undefined ? {} : { Time: new Date(event.occurredAt) }),
        Detail: JSON.stringify({
          ...event.data,
          metadata: {
            eventId: event.eventId,
            correlationId,
            ...(event.causationId ? { causationId: event.causationId } : {}),
            schemaVersion: event.schemaVersion,
            occurredAt: event.occurredAt ?? publishedAt,
          },
        }),
      }));
      for (let start = 0; start < entries.length; start += MAX_ENTRIES_PER_CALL) {
        const chunk = entries.slice(start, start + MAX_ENTRIES_PER_CALL);
        const result = await client.send(new PutEventsCommand({ Entries: chunk }));
        if ((result.FailedEntryCount ?? 0) > 0) {
          const failures = (result.Entries ?? []).flatMap((entry, index) =>
            entry.ErrorCode
              ? [
                  {
                    detailType: chunk[index]?.DetailType ?? 'unknown',
                    errorCode: entry.ErrorCode,
                    errorMessage: entry.ErrorMessage,
                  },
                ]
              : [],
          );
          throw new PublishError(
            `EventBridge refused ${result.FailedEntryCount} of ${chunk.length} events`,
            failures,
          );
        }
        logger.debug('events published', { detailTypes: chunk.map((entry) => entry.DetailType) });
      }
    },
  };
}
