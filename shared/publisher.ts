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
  /** The id of the event or request that caused this one. */
  causationId?: string;
  resources?: string[];
}

/** An event of the catalog: its source and schema version come from `events/catalog.ts`. */
export function catalogEvent(
  detailType: DetailType,
  data: Record<string, unknown>,
  causationId?: string,
): OutgoingEvent {
  return {
    source: sourceOf(detailType),
    detailType,
    schemaVersion: schemaVersionOf(detailType),
    data,
    ...(causationId === undefined ? {} : { causationId }),
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
      const occurredAt = new Date().toISOString();
      const entries: PutEventsRequestEntry[] = events.map((event) => ({
        EventBusName: busName,
        Source: event.source,
        DetailType: event.detailType,
        Resources: event.resources,
        Detail: JSON.stringify({
          ...event.data,
          metadata: {
            correlationId,
            ...(event.causationId ? { causationId: event.causationId } : {}),
            schemaVersion: event.schemaVersion,
            occurredAt,
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
