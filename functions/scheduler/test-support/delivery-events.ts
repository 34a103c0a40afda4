import path from 'node:path';
import type { DeliveryEventType } from '../../../events/catalog.ts';
import { loadFixture } from '../../../events/fixtures.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../../../events/fixtures');

/**
 * A delivery event envelope as the bus delivers it, from the catalog's fixture of its type, about
 * `deliveryId`; `eventId` absent means an event published without `metadata.eventId`.
 */
export function deliveryEnvelope(
  detailType: DeliveryEventType,
  deliveryId: string,
  options: { eventId?: string; id?: string } = {},
): Record<string, unknown> {
  const [fixture] = loadFixture(path.join(FIXTURES, `${detailType}.json`));
  if (!fixture) throw new Error(`no fixture of ${detailType}`);
  const envelope = structuredClone(fixture) as unknown as Record<string, unknown> & {
    detail: Record<string, unknown> & { metadata: Record<string, unknown> };
  };
  envelope.detail.deliveryId = deliveryId;
  delete envelope.detail.metadata.eventId;
  if (options.eventId !== undefined) envelope.detail.metadata.eventId = options.eventId;
  if (options.id !== undefined) envelope.id = options.id;
  return envelope;
}
