import { randomUUID } from 'node:crypto';
import type { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type DeliveryEventType, isDeliveryEventType } from '../catalog.ts';
import { type DetailOf, parseDetail } from '../schemas.ts';

// A fake EventBridge client for the delivery events, shared by the services' tests.

/** An event as it reached the fake bus, its detail validated against the catalog. */
export interface PublishedEvent {
  source: string;
  detailType: DeliveryEventType;
  detail: DetailOf<DeliveryEventType>;
}

/**
 * An EventBridge client that keeps what was put (every detail checked with parseDetail) and can be
 * told to fail. `envelopes` are the events as a consumer would receive them: each publication gets
 * a new envelope id, as EventBridge gives it.
 */
export function fakeEventBridge() {
  const published: PublishedEvent[] = [];
  const envelopes: Record<string, unknown>[] = [];
  let failuresLeft = 0;
  const client = {
    async send(command: PutEventsCommand) {
      if (failuresLeft > 0) {
        failuresLeft--;
        throw Object.assign(new Error('EventBridge unavailable'), { name: 'InternalException' });
      }
      for (const entry of command.input.Entries ?? []) {
        const detailType = entry.DetailType ?? '';
        if (!isDeliveryEventType(detailType)) throw new Error(`unexpected detail-type ${detailType}`);
        const detail = parseDetail(detailType, JSON.parse(entry.Detail ?? '{}'));
        published.push({ source: entry.Source ?? '', detailType, detail });
        envelopes.push({
          version: '0',
          id: randomUUID(),
          'detail-type': detailType,
          source: entry.Source ?? '',
          account: '000000000000',
          time: (entry.Time ?? new Date()).toISOString(),
          region: 'us-east-1',
          resources: entry.Resources ?? [],
          detail,
        });
      }
      return { FailedEntryCount: 0, Entries: (command.input.Entries ?? []).map(() => ({ EventId: 'e' })) };
    },
  };
  return {
    client: client as unknown as EventBridgeClient,
    published,
    envelopes,
    failNext(times = 1) {
      failuresLeft = times;
    },
  };
}
