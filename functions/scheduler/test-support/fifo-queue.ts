import type { RequestMessage, RequestQueue } from '../core/messages.ts';

/** SQS FIFO's deduplication interval: a message with a deduplication id seen within it is dropped. */
export const DEDUPLICATION_WINDOW_MS = 5 * 60 * 1000;

/**
 * The `delivery-requests` queue as the scheduler sees it: SQS FIFO's deduplication (same id within
 * 5 minutes of the clock given) and order, plus a switch that makes sends fail like an outage.
 */
export class FifoQueueModel implements RequestQueue {
  /** Messages accepted by the queue and not yet drained, in order. */
  readonly queued: RequestMessage[] = [];
  /** Every message accepted, in order (drained or not). */
  readonly accepted: RequestMessage[] = [];
  /** Sends the queue dropped as repeats within the deduplication window. */
  readonly deduplicated: RequestMessage[] = [];
  down = false;
  private readonly seen = new Map<string, number>();

  constructor(private readonly now: () => Date) {}

  async send(message: RequestMessage): Promise<void> {
    if (this.down) throw new Error('SQS unavailable');
    const id = `${message.deliveryId}:${message.operation}:${message.requestId}`;
    const at = this.now().getTime();
    const last = this.seen.get(id);
    if (last !== undefined && at - last < DEDUPLICATION_WINDOW_MS) {
      this.deduplicated.push(structuredClone(message));
      return;
    }
    this.seen.set(id, at);
    this.queued.push(structuredClone(message));
    this.accepted.push(structuredClone(message));
  }

  async delayRedelivery(): Promise<void> {}

  /** Hands every queued message to `consume` in order (as the workflow's consumer would), emptying the queue. */
  async drain(consume: (message: RequestMessage) => Promise<unknown>): Promise<void> {
    while (this.queued.length > 0) {
      const message = this.queued.shift();
      if (message) await consume(message);
    }
  }
}
