// Where an asynchronous invocation's outcome goes, as on AWS: the OnSuccess and OnFailure destinations
// of its EventInvokeConfig (Lambda's invocation records) and the function's dead-letter queue.
import type { InvokeResult, LocalLogger, QueueSender } from '../model.ts';
import type { FunctionConfig } from './function-config.ts';

type Failed = InvokeResult & { ok: false };
type FailureCondition = 'RetriesExhausted' | 'EventAgeExceeded';

export interface AsyncDestinations {
  /** Sends the success record to the OnSuccess destination, if there is one. */
  succeeded(
    fn: FunctionConfig,
    requestId: string,
    event: unknown,
    attempts: number,
    result: InvokeResult,
  ): Promise<void>;
  /** Logs the failure and sends it to the OnFailure destination and the dead-letter queue. */
  failed(
    fn: FunctionConfig,
    requestId: string,
    event: unknown,
    condition: FailureCondition,
    attempts: number,
    result: Failed,
  ): Promise<void>;
}

/** Creates the senders to SQS destinations (other kinds are logged and skipped). */
export function createAsyncDestinations(
  log: LocalLogger,
  queueSender: QueueSender | undefined,
): AsyncDestinations {
  async function sendToQueue(
    fn: FunctionConfig,
    arn: string,
    body: string,
    messageAttributes?: Record<string, { DataType: string; StringValue?: string }>,
  ): Promise<void> {
    if (!arn.startsWith('arn:aws:sqs:')) {
      log.warn('only SQS destinations are supported locally', { function: fn.name, destination: arn });
      return;
    }
    if (!queueSender) {
      log.warn('no queue sender configured; destination record dropped', { function: fn.name, arn });
      return;
    }
    try {
      await queueSender.sendMessage(arn, body, messageAttributes ? { messageAttributes } : undefined);
    } catch (error) {
      log.error('could not deliver to destination', { function: fn.name, arn, error: String(error) });
    }
  }

  return {
    async succeeded(fn, requestId, event, attempts, result) {
      const { onSuccess } = fn.asyncConfig;
      if (!onSuccess) return;
      await sendToQueue(fn, onSuccess, destinationRecord(fn, requestId, event, 'Success', attempts, result));
    },
    async failed(fn, requestId, event, condition, attempts, result) {
      log.error('asynchronous invocation failed', {
        function: fn.name,
        requestId,
        condition,
        attempts,
        errorType: result.errorType,
        errorMessage: result.errorMessage,
      });
      const { onFailure } = fn.asyncConfig;
      if (onFailure) {
        await sendToQueue(
          fn,
          onFailure,
          destinationRecord(fn, requestId, event, condition, attempts, result),
        );
      }
      if (fn.deadLetterArn) {
        await sendToQueue(fn, fn.deadLetterArn, JSON.stringify(event), {
          RequestID: { DataType: 'String', StringValue: requestId },
          ErrorCode: { DataType: 'Number', StringValue: '200' },
          ErrorMessage: { DataType: 'String', StringValue: result.errorMessage.slice(0, 1024) },
        });
      }
    },
  };
}

// The invocation record Lambda sends to a destination.
function destinationRecord(
  fn: FunctionConfig,
  requestId: string,
  event: unknown,
  condition: 'Success' | FailureCondition,
  attempts: number,
  result: InvokeResult,
): string {
  return JSON.stringify({
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId,
      functionArn: `${fn.arn}:$LATEST`,
      condition,
      approximateInvokeCount: attempts,
    },
    requestPayload: event,
    responseContext: {
      statusCode: 200,
      executedVersion: '$LATEST',
      ...(result.ok ? {} : { functionError: 'Unhandled' }),
    },
    responsePayload: result.ok
      ? result.payload
      : { errorType: result.errorType, errorMessage: result.errorMessage },
  });
}
