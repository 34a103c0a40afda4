import type { Location } from '../../../events/schemas.ts';
import type { PendingEvent } from '../../../shared/outbox.ts';
import type { DeliveryChanges, DeliveryRecord, Stage, SubscriptionRecord } from './model.ts';

// The Delivery table as the logic sees it; adapters/dynamodb-store.ts lays it out in DynamoDB.

/** The partition of an account's deliveries in the `byAccount` index, which a page token must name. */
export const accountPartition = (accountId: string) => `ACCOUNT#${accountId}`;

/** A conditional write lost against a concurrent one: read again and decide again. */
export class StaleVersionError extends Error {
  override readonly name = 'StaleVersionError';
}

/** A position report's effect, applied only if the delivery is still in `expectedStage` and the report is newer. */
export interface PositionUpdate {
  expectedStage: Stage;
  lastKnownLocation: Location;
  lastPositionAt: string;
  pickupEta?: string;
  deliveryEta?: string;
  updatedAt: string;
}

/** Deliveries whose outbox was written before a given time, and where to go on from. */
export interface OutboxPage {
  deliveryIds: string[];
  /** Key of the last index item returned when more follow. */
  lastKey?: Record<string, string>;
}

/** A page of an account's deliveries, newest first. */
export interface DeliveryPage {
  items: DeliveryRecord[];
  /** Key of the last item returned when more follow. */
  lastKey?: Record<string, string>;
}

/**
 * What storing a subscription did: stored it (`created`), found it stored already (`existing`),
 * refused it because the delivery has `limit` already (`limit-reached`), or kept meeting concurrent
 * subscriptions of the same delivery (`busy`: transient).
 */
export type SubscriptionOutcome =
  | { kind: 'created' | 'existing'; subscription: SubscriptionRecord }
  | { kind: 'limit-reached' | 'busy' };

/** What the Delivery service's logic needs from its table. */
export interface DeliveryStore {
  get(deliveryId: string): Promise<DeliveryRecord | undefined>;
  /** Creates the record unless one exists; returns whichever record is stored. */
  create(record: DeliveryRecord): Promise<{ record: DeliveryRecord; created: boolean }>;
  /** Applies `changes` and the outbox if the stored version is still `expectedVersion`; else StaleVersionError. */
  update(
    deliveryId: string,
    expectedVersion: number,
    changes: DeliveryChanges,
    pendingEvents: PendingEvent[],
  ): Promise<DeliveryRecord>;
  /** Removes the outbox batch `pendingKey` once it is published (no-op if it is gone already). */
  clearPending(deliveryId: string, pendingKey: string): Promise<void>;
  /** The deliveries of one index shard whose outbox was written before `writtenBefore`, oldest first. */
  listOutboxes(
    shard: string,
    writtenBefore: string,
    limit: number,
    startKey?: Record<string, string>,
  ): Promise<OutboxPage>;
  /** Stores a position report; false when the stage moved on or a newer report is stored. */
  recordPosition(deliveryId: string, update: PositionUpdate): Promise<boolean>;
  listByAccount(accountId: string, limit: number, startKey?: Record<string, string>): Promise<DeliveryPage>;
  /**
   * Stores a subscription unless it exists, and only while the delivery has fewer than `limit`: the
   * item and the delivery's counter are written in one transaction, conditional on both.
   */
  putSubscription(subscription: SubscriptionRecord, limit: number): Promise<SubscriptionOutcome>;
  listSubscriptions(deliveryId: string): Promise<SubscriptionRecord[]>;
}
