import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj, Request } from '@middy/core';
import type { ApiEvent, ApiResult } from '../http.ts';
import { metrics } from '../observability.ts';

/** Records one answer of an API operation: a request, its status class and its response size. */
export function recordResponse(response: ApiResult | undefined): void {
  if (!response) return;
  const status = response.statusCode ?? 200;
  metrics.addMetric('Requests', MetricUnit.Count, 1);
  metrics.addMetric('ClientErrors', MetricUnit.Count, status >= 400 && status < 500 ? 1 : 0);
  metrics.addMetric('ServerErrors', MetricUnit.Count, status >= 500 ? 1 : 0);
  metrics.addMetric('ResponseBytes', MetricUnit.Bytes, Buffer.byteLength(response.body ?? '', 'utf8'));
}

/**
 * Per-operation figures of the API stack (docs/architecture.md §5 "Metrics"); latency is Lambda's and API
 * Gateway's own. Registered before the problem middleware, so it sees error answers too.
 */
export function responseMetrics(): MiddlewareObj<ApiEvent, ApiResult> {
  const record = async (request: Request<ApiEvent, ApiResult>) =>
    recordResponse(request.response ?? undefined);
  return { after: record, onError: record };
}

/** Records the outcome of one SQS batch: records processed and records failed. */
export function recordBatch(total: number, failed: number): void {
  metrics.addMetric('RecordsProcessed', MetricUnit.Count, total - failed);
  metrics.addMetric('RecordsFailed', MetricUnit.Count, failed);
}
