import * as z from 'zod';

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
  /**
   * Set on a schedule sent back after waiting for a drone: the number of the wait it ends. Only the
   * latest wait's message resumes the workflow; an older copy is stale and skipped.
   */
  wait: z.number().int().positive().optional(),
});
export type RequestMessage = z.infer<typeof RequestMessage>;

/**
 * The FIFO deduplication id of a message: the operation, and the wait it ends if any, so that a
 * schedule sent back after each wait is not dropped as a repeat of the first send.
 */
export function deduplicationId(message: RequestMessage): string {
  const id = `${message.deliveryId}:${message.operation}:${message.requestId}`;
  return message.wait === undefined ? id : `${id}:wait-${message.wait}`;
}

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

/** Body of a `delivery-waits` message: a schedule waiting for a drone, and when it is due again. */
export const WaitMessage = z.object({
  message: RequestMessage.extend({ operation: z.literal('schedule'), wait: z.number().int().positive() }),
  dueAt: z.iso.datetime(),
});
export type WaitMessage = z.infer<typeof WaitMessage>;

/** Parses a `delivery-waits` message body; a malformed one throws (the record then ends in its DLQ). */
export function parseWaitMessage(body: string): WaitMessage {
  return WaitMessage.parse(JSON.parse(body));
}

/** The most SQS delays a message: 15 minutes. */
export const MAX_DELAY_SECONDS = 900;

/** Holds waiting schedules off the FIFO queue, so a wait blocks neither an invocation nor the delivery's group. */
export interface WaitQueue {
  /** Sends `wait`, delivered after `delaySeconds` (at most MAX_DELAY_SECONDS). */
  send(wait: WaitMessage, delaySeconds: number): Promise<void>;
}
