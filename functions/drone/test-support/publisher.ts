import { currentCorrelationId } from '../../../shared/correlation.ts';
import type { EventPublisher, OutgoingEvent } from '../../../shared/publisher.ts';

/** What a publish call sent, with the correlation id it ran under. */
export interface PublishedEvent extends OutgoingEvent {
  correlationId: string;
}

/**
 * A publisher that records what it is given. `failNext(n)` makes the next n calls fail as a bus
 * outage (or a crash between the write and the publish) would, publishing nothing.
 */
export function recordingPublisher() {
  const published: PublishedEvent[] = [];
  let failures = 0;
  const publisher: EventPublisher = {
    async publish(events) {
      if (failures > 0) {
        failures--;
        throw new Error('the bus is unavailable');
      }
      const correlationId = currentCorrelationId();
      published.push(...events.map((event) => ({ ...event, correlationId })));
    },
  };
  return {
    publisher,
    published,
    failNext(count = 1) {
      failures = count;
    },
    /** The eventIds of the published events of one detail-type, in publishing order. */
    idsOf(detailType: string) {
      return published.filter((event) => event.detailType === detailType).map((event) => event.eventId);
    },
  };
}
