import { ChangeMessageVisibilityCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { CORRELATION_ATTRIBUTE } from '../../../shared/correlation.ts';

/** The operations the Scheduler Agent runs, one queue message each. */
export const OPERATIONS = ['schedule', 'reschedule', 'cancel'] as const;
export const Operation = z.enum(OPERATIONS);
export type Operation = z.infer<typeof Operation>;

/** Body of a `delivery-requests` message (docs/internals.md, "The scheduler's queue message"). */
export const RequestMessage = z.object({
  deliveryId: z.string().min(1),
  operation: Operation,
  requestId: z.string().min(1),
  accountId: z.string().min(1),
  correlationId: z.string().min(1),
});
export type RequestMessage = z.infer<typeof RequestMessage>;

/** Parses a queue message body; a malformed one throws (the record then ends in the DLQ). */
export function parseRequestMessage(body: string): RequestMessage {
  return RequestMessage.parse(JSON.parse(body));
}

/** Sends operations to the `delivery-requests` FIFO queue. */
export interface RequestQueue {
  send(message: RequestMessage): Promise<void>;
  /** Makes a received message visible again after `seconds` (controls when SQS redelivers it). */
  delayRedelivery(receiptHandle: string, seconds: number): Promise<void>;
}

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
          MessageDeduplicationId: `${message.deliveryId}:${message.operation}:${message.requestId}`,
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
