import { currentCorrelationId } from '../../shared/correlation.ts';
import { type ApiEvent, type ApiResult, callerOf, json, parseJsonBody, validate } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { rescheduleDelivery } from './core/ingest.ts';
import { ingestAdapters, loadIngestConfig } from './deps.ts';
import { DeliveryIdParam, RescheduleDeliveryRequest } from './schemas.ts';

// PATCH /v1/deliveries/{deliveryId}: accept new times and/or dropoff (docs/architecture.md §3, §5.6).

const adapters = ingestAdapters(loadIngestConfig());

/** Validates the path and body, then hands the change to the ingest logic. */
export async function core(event: ApiEvent): Promise<ApiResult> {
  const caller = callerOf(event);
  const deliveryId = validate(
    DeliveryIdParam,
    event.pathParameters?.deliveryId,
    'The delivery id is invalid.',
  );
  const changes = parseJsonBody(event, RescheduleDeliveryRequest);
  const accepted = await rescheduleDelivery(adapters, {
    caller,
    deliveryId,
    changes,
    correlationId: currentCorrelationId(),
  });
  return json(202, accepted, { location: `/v1/deliveries/${deliveryId}` });
}

export const handler = httpHandler(core);
