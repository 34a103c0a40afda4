import type { Context } from 'aws-lambda';
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
import { createSchedulerServices } from './core/services.ts';
import { SCHEDULER_RESILIENCE } from './core/settings.ts';
import { loadSchedulerConfig, schedulerAdapters } from './deps.ts';
import { IdempotencyKey, ScheduleDeliveryRequest } from './schemas.ts';

// POST /v1/deliveries: accept a delivery request (ARCHITECTURE §3, §5.1).

const config = loadSchedulerConfig();
const adapters = schedulerAdapters(config, SCHEDULER_RESILIENCE.ingest);

/** Validates everything before writing anything, then hands the request to the ingest logic. */
export async function core(event: ApiEvent, context: Context): Promise<ApiResult> {
  const caller = callerOf(event);
  const rawKey = headerOf(event, 'idempotency-key');
  const idempotencyKey =
    rawKey === undefined
      ? undefined
      : validate(IdempotencyKey, rawKey, 'The Idempotency-Key header is invalid.');
  const request = parseJsonBody(event, ScheduleDeliveryRequest);
  const accepted = await scheduleDelivery(
    {
      ...adapters,
      services: createSchedulerServices(adapters.downstreams, () => context.getRemainingTimeInMillis()),
    },
    { caller, request, idempotencyKey, correlationId: currentCorrelationId() },
  );
  return json(202, accepted, { location: `/v1/deliveries/${accepted.deliveryId}` });
}

export const handler = httpHandler(core);
