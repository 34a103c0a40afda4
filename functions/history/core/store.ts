import * as z from 'zod';

// The History table as the logic sees it; adapters/dynamodb-store.ts lays it out in DynamoDB.

export const HistoryEntry = z.object({
  eventId: z.string(),
  type: z.string(),
  occurredAt: z.string(),
  data: z.record(z.string(), z.unknown()),
  correlationId: z.string(),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/** A page of a delivery's history, oldest first. */
export interface HistoryPage {
  items: HistoryEntry[];
  /** Key of the last entry returned when more follow. */
  lastKey?: { pk: string; sk: string };
}

/** What the History service's logic needs from its table. */
export interface HistoryStore {
  /**
   * Stores the entry, its marker and (when known) the owner together; false when the event was
   * recorded before. Without an account the owner already stored is kept.
   */
  record(deliveryId: string, accountId: string | undefined, entry: HistoryEntry): Promise<boolean>;
  ownerOf(deliveryId: string): Promise<string | undefined>;
  list(deliveryId: string, limit: number, startKey?: { pk: string; sk: string }): Promise<HistoryPage>;
}
