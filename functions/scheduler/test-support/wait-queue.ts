import type { RequestMessage, WaitMessage, WaitQueue } from '../core/messages.ts';

/** The `delivery-waits` queue in memory: what was sent, with its delay, until taken. */
export class WaitQueueModel implements WaitQueue {
  readonly sent: { wait: WaitMessage; delaySeconds: number }[] = [];
  down = false;

  async send(wait: WaitMessage, delaySeconds: number): Promise<void> {
    if (this.down) throw new Error('SQS unavailable');
    this.sent.push({ wait: structuredClone(wait), delaySeconds });
  }

  /** The request message of the latest wait sent, as the forwarder puts it back on the requests queue. */
  latest(): RequestMessage {
    const last = this.sent.at(-1);
    if (!last) throw new Error('nothing is waiting');
    return last.wait.message;
  }
}
