// What an event source mapping does with one batch: invokes the function, works out from the result
// and its partial batch response which records were processed, tells the listeners, and delivers
// duplicates when the duplicate-delivery fault is on.
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { InvokeResult, LambdaInvoker, LocalLogger } from '../model.ts';
import type { BatchListener, EventSourceMappingInfo } from './event-source-mappings.ts';

export interface BatchHandler {
  /** Invokes the function with the records; resolves with those it processed, to delete. */
  invoke(records: SQSRecord[]): Promise<SQSRecord[]>;
  /** Invokes the function again with some of the records, at the duplicate-delivery rate. */
  deliverDuplicates(records: SQSRecord[]): Promise<void>;
}

export interface BatchHandlerOptions {
  info: EventSourceMappingInfo;
  invoker: LambdaInvoker;
  log: LocalLogger;
  /** The duplicate-delivery fault rate in force. */
  duplicateRate(): number;
  notify: BatchListener;
}

/** Creates the batch handling of one mapping. */
export function createBatchHandler(options: BatchHandlerOptions): BatchHandler {
  const { info, invoker, log } = options;

  function observe(
    records: SQSRecord[],
    result: InvokeResult,
    failed: SQSRecord[],
    duplicate: boolean,
    startedAt: Date,
  ): void {
    options.notify({
      mapping: info.logicalId,
      functionName: info.functionName,
      eventSourceArn: info.eventSourceArn,
      records: records.map((record) => ({
        messageId: record.messageId,
        body: record.body,
        receiveCount: Number(record.attributes.ApproximateReceiveCount) || 0,
        messageAttributes: record.messageAttributes,
      })),
      result,
      failedMessageIds: failed.map((record) => record.messageId),
      duplicate,
      startedAt,
      finishedAt: new Date(),
    });
  }

  return {
    async invoke(records) {
      const event: SQSEvent = { Records: records };
      const startedAt = new Date();
      const result = await invoker.invoke(info.functionName, event);
      let processed: SQSRecord[];
      if (!result.ok) {
        log.warn('event source mapping batch failed', {
          mapping: info.logicalId,
          records: records.length,
          errorType: result.errorType,
          errorMessage: result.errorMessage,
        });
        processed = [];
      } else if (!info.reportBatchItemFailures) {
        processed = records;
      } else {
        const failed = failedItems(result.payload, new Set(records.map((record) => record.messageId)));
        if (failed === 'invalid') {
          log.warn('invalid partial batch response: the whole batch failed', {
            mapping: info.logicalId,
            response: result.payload,
          });
          processed = [];
        } else {
          processed = records.filter((record) => !failed.has(record.messageId));
        }
      }
      const processedIds = new Set(processed.map((record) => record.messageId));
      observe(
        records,
        result,
        records.filter((record) => !processedIds.has(record.messageId)),
        false,
        startedAt,
      );
      return processed;
    },

    async deliverDuplicates(records) {
      const rate = options.duplicateRate();
      if (rate <= 0) return;
      const duplicates = records.filter(() => Math.random() < rate);
      if (duplicates.length === 0) return;
      log.warn('fault injected: duplicate delivery', {
        mapping: info.logicalId,
        function: info.functionName,
        messageIds: duplicates.map((record) => record.messageId),
      });
      const startedAt = new Date();
      const result = await invoker.invoke(info.functionName, { Records: duplicates } satisfies SQSEvent);
      const failed = result.ok ? [] : duplicates;
      observe(duplicates, result, failed, true, startedAt);
    },
  };
}

/**
 * The records a partial batch response reports as failed, following AWS's rules: a null or empty
 * response or list means complete success; a malformed response, or an identifier that is empty,
 * missing or not in the batch, means complete failure (`invalid`).
 */
export function failedItems(payload: unknown, messageIds: Set<string>): Set<string> | 'invalid' {
  const failed = new Set<string>();
  if (payload === null || payload === undefined) return failed;
  if (typeof payload !== 'object' || Array.isArray(payload)) return 'invalid';
  const list = (payload as { batchItemFailures?: unknown }).batchItemFailures;
  if (list === null || list === undefined) return failed;
  if (!Array.isArray(list)) return 'invalid';
  for (const item of list) {
    const id =
      item && typeof item === 'object' ? (item as { itemIdentifier?: unknown }).itemIdentifier : undefined;
    if (typeof id !== 'string' || id === '' || !messageIds.has(id)) return 'invalid';
    failed.add(id);
  }
  return failed;
}
