import {
  BatchProcessor,
  EventType,
  processPartialResponse,
  SqsFifoPartialProcessorAsync,
} from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  CORRELATION_ATTRIBUTE,
  CORRELATION_HEADER,
  sanitizeCorrelationId,
  withCorrelationId,
} from '../correlation.ts';
import { type ApiEvent, type ApiResult, headerOf } from '../http.ts';
import { logger, metrics } from '../observability.ts';
import { recordBatch, responseMetrics } from './metrics.ts';
import { problemErrors } from './problem.ts';
import { invocationTracing } from './tracing.ts';

type Core<E, R> = (event: E, context: Context) => Promise<R>;

function observed<E, R>(core: Core<E, R>) {
  return middy<E, R>(core)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(invocationTracing<E, R>())
    .use(logMetrics(metrics));
}

/** The API stack: observability, correlation id in and out, and RFC 9457 problems for every error. */
export function httpHandler(core: Core<ApiEvent, ApiResult>) {
  const wrapped = observed(core).use(responseMetrics()).use(problemErrors());
  return async (event: ApiEvent, context: Context): Promise<ApiResult> => {
    const correlationId =
      sanitizeCorrelationId(headerOf(event, CORRELATION_HEADER)) ?? event.requestContext.requestId;
    const response = await withCorrelationId(correlationId, () => wrapped(event, context));
    return { ...response, headers: { ...response.headers, [CORRELATION_HEADER]: correlationId } };
  };
}

/** Options of an SQS consumer. */
export interface SqsHandlerOptions<T> {
  /** Turns a record into the consumer's input; a throw marks the record failed (it ends in the DLQ). */
  parse: (record: SQSRecord) => T;
  /** Correlation id of a parsed record (default: the message attribute, else the message id). */
  correlationIdOf?: (item: T, record: SQSRecord) => string | undefined;
  /** FIFO queues stop a message group at its first failure so order is kept. */
  fifo?: boolean;
  /**
   * Records are started one after another; one is started only while at least this much of the
   * invocation is left. The rest are handed back (made visible again at once by `release`) and
   * reported failed, so that a slow batch ends in time with the records it finished kept, instead
   * of timing out as a whole and bringing every record back.
   */
  startWithin?: { minRemainingMs: number; release: (record: SQSRecord) => Promise<void> };
}

/** A record not started because too little of the invocation was left: it comes back, untouched. */
export class RecordNotStarted extends Error {
  override readonly name = 'RecordNotStarted';
}

async function handBack<T>(options: SqsHandlerOptions<T>, record: SQSRecord, remainingMs: number) {
  try {
    await options.startWithin?.release(record);
  } catch (error) {
    // It still comes back, after the queue's visibility timeout.
    logger.warn('could not hand back a record not started', {
      messageId: record.messageId,
      error: error as Error,
    });
  }
  logger.info('record not started: too little of the invocation left; it will be received again', {
    messageId: record.messageId,
    remainingMs,
  });
  throw new RecordNotStarted(`${remainingMs} ms left: not started`);
}

/** Correlation id carried in an SQS message attribute, if any. */
export function correlationAttribute(record: SQSRecord): string | undefined {
  return sanitizeCorrelationId(record.messageAttributes?.[CORRELATION_ATTRIBUTE]?.stringValue);
}

/** The SQS stack: one record at a time, each with its correlation id, failures reported per record. */
export function sqsHandler<T>(
  options: SqsHandlerOptions<T>,
  processRecord: (item: T, record: SQSRecord, context: Context) => Promise<void>,
) {
  const core = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const recordHandler = async (record: SQSRecord) => {
      const remainingMs = context.getRemainingTimeInMillis();
      if (options.startWithin && remainingMs < options.startWithin.minRemainingMs) {
        return handBack(options, record, remainingMs);
      }
      let item: T;
      try {
        item = options.parse(record);
      } catch (error) {
        logger.error('malformed message refused; it will reach the dead-letter queue', {
          messageId: record.messageId,
          receiveCount: record.attributes.ApproximateReceiveCount,
          reason: error instanceof Error ? error.message : String(error),
        });
        throw error;
      }
      const correlationId =
        options.correlationIdOf?.(item, record) ?? correlationAttribute(record) ?? record.messageId;
      await withCorrelationId(correlationId, async () => {
        try {
          await processRecord(item, record, context);
        } catch (error) {
          logger.error('message processing failed', {
            messageId: record.messageId,
            receiveCount: record.attributes.ApproximateReceiveCount,
            error: error as Error,
          });
          throw error;
        }
      });
    };
    const total = event.Records.length;
    try {
      const result = options.fifo
        ? await processPartialResponse(event, recordHandler, new SqsFifoPartialProcessorAsync(), {
            context,
            skipGroupOnError: true,
          })
        : await processPartialResponse(event, recordHandler, new BatchProcessor(EventType.SQS), {
            context,
            processInParallel: false,
          });
      recordBatch(total, result.batchItemFailures.length);
      return result;
    } catch (error) {
      // Every record failed: Powertools fails the invocation so that the whole batch returns.
      recordBatch(total, total);
      throw error;
    }
  };
  return observed(core);
}

/** The stack for direct invocations (schedules, deployment triggers): observability and a correlation id. */
export function invocationHandler<E, R>(
  correlationIdOf: (event: E, context: Context) => string,
  core: Core<E, R>,
) {
  const wrapped = observed(core);
  return (event: E, context: Context): Promise<R> =>
    withCorrelationId(correlationIdOf(event, context), () => wrapped(event, context));
}
