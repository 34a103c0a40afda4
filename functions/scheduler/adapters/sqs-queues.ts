import { ChangeMessageVisibilityCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { CORRELATION_ATTRIBUTE } from '../../../shared/correlation.ts';
import { deduplicationId, MAX_DELAY_SECONDS, type RequestQueue, type WaitQueue } from '../core/messages.ts';

/** The SQS adapter of the queue: one message group per delivery so its operations run in order. */
export function createRequestQueue(client: SQSClient, queueUrl: string): RequestQueue {
  return {
    async send(message) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(message),
          MessageGroupId: message.deliveryId,
          // The same operation sent twice (a retried ingest) is dropped by SQS within 5 minutes.
          MessageDeduplicationId: deduplicationId(message),
          MessageAttributes: {
            [CORRELATION_ATTRIBUTE]: { DataType: 'String', StringValue: message.correlationId },
          },
        }),
      );
    },
    async delayRedelivery(receiptHandle, seconds) {
      await client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    },
  };
}

/** The SQS adapter of the standard `delivery-waits` queue. */
export function createWaitQueue(client: SQSClient, queueUrl: string): WaitQueue {
  return {
    async send(wait, delaySeconds) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(wait),
          DelaySeconds: Math.max(0, Math.min(MAX_DELAY_SECONDS, Math.ceil(delaySeconds))),
          MessageAttributes: {
            [CORRELATION_ATTRIBUTE]: { DataType: 'String', StringValue: wait.message.correlationId },
          },
        }),
      );
    },
  };
}
