import { currentCorrelationId } from '../../shared/correlation.ts';
import { type ApiEvent, type ApiResult, callerOf, json, validate } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { cancelDelivery } from './core/ingest.ts';
import { ingestAdapters, loadIngestConfig } from './deps.ts';
import { DeliveryIdParam } from './schemas.ts';

// DELETE /v1/deliveries/{deliveryId}: accept a cancellation (docs/architecture.md §3, §5.6).

const adapters = ingestAdapters(loadIngestConfig());

/** Validates the path, then hands the cancellation to the ingest logic. */
export async function core(event: ApiEvent): Promise<ApiResult> {
  const caller = callerOf(event);
  const deliveryId = validate(
    DeliveryIdParam,
    event.pathParameters?.deliveryId,
    'The delivery id is invalid.',
  );
  const accepted = await cancelDelivery(adapters, {
    caller,
    deliveryId,
    correlationId: currentCorrelationId(),
  });
  return json(202, accepted, { location: `/v1/deliveries/${deliveryId}` });
}

export const handler = httpHandler(core);
