import * as z from 'zod';

// The History service's public query and response schemas (docs/architecture.md §3), for validation and the OpenAPI document.

export const HistoryQuery = z
  .strictObject({
    limit: z.coerce.number().int().min(1).max(100).default(50),
    nextToken: z.string().min(1).max(2048).optional(),
  })
  .meta({ id: 'HistoryQuery' });

export const HistoryItem = z
  .strictObject({
    eventId: z.string(),
    type: z.string(),
    occurredAt: z.iso.datetime({ offset: true }),
    data: z.record(z.string(), z.unknown()),
    correlationId: z.string(),
  })
  .meta({ id: 'HistoryItem' });

export const HistoryPage = z
  .strictObject({
    items: z.array(HistoryItem),
    nextToken: z.string().optional(),
  })
  .meta({ id: 'HistoryPage' });
