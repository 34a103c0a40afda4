import { currentCorrelationId } from '../../shared/correlation.ts';
import {
  type ApiEvent,
  type ApiResult,
  callerOf,
  headerOf,
  json,
  parseJsonBody,
  validate,
} from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { scheduleDelivery } from './core/ingest.ts';
import { ingestAdapters, loadIngestConfig } from './deps.ts';
import { IdempotencyKey, ScheduleDeliveryRequest } from './schemas.ts';

// POST /v1/deliveries: accept a delivery request (docs/architecture.md §3, §5.1).

const adapters = ingestAdapters(loadIngestConfig());

/** Validates everything before writing anything, then hands the request to the ingest logic. */
export async function core(event: ApiEvent): Promise<ApiResult> {
  const caller = callerOf(event);
  const rawKey = headerOf(event, 'idempotency-key');
  const idempotencyKey =
    rawKey === undefined
      ? undefined
      : validate(IdempotencyKey, rawKey, 'The Idempotency-Key header is invalid.');
  const request = parseJsonBody(event, ScheduleDeliveryRequest);
  const accepted = await scheduleDelivery(adapters, {
    caller,
    request,
    idempotencyKey,
    correlationId: currentCorrelationId(),
  });
  return json(202, accepted, { location: `/v1/deliveries/${accepted.deliveryId}` });
}

export const handler = httpHandler(core);
