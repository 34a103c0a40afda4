import { logger } from '../../../shared/observability.ts';
import { MAX_DELAY_SECONDS, type RequestQueue, type WaitMessage, type WaitQueue } from './messages.ts';

// The end of a wait for a drone (docs/architecture.md §5 4a): the workflow put a waiting schedule on
// the standard `delivery-waits` queue, delayed until its next attempt is due; this puts it back on
// the FIFO `delivery-requests` queue, in its delivery's group, where the workflow tries again. The
// wait in between holds no invocation and leaves the delivery's group free (a cancel still wins).

/** What the forwarder needs: both queues and a clock. */
export interface ForwardDeps {
  requests: Pick<RequestQueue, 'send'>;
  waits: WaitQueue;
  now: () => Date;
}

/** A message delivered this little before it is due counts as due: SQS delays are whole seconds. */
export const EARLY_TOLERANCE_MS = 1_000;

/**
 * Sends a due wait back to the requests queue, or delays it again when it came early (a delay
 * cut to SQS's 15-minute limit, or a clock ahead of the sender's). Safe to repeat: the FIFO
 * queue drops the same wait sent twice within 5 minutes, and the workflow skips a stale one.
 */
export async function forwardWait(deps: ForwardDeps, wait: WaitMessage): Promise<'forwarded' | 'delayed'> {
  const dueInMs = Date.parse(wait.dueAt) - deps.now().getTime();
  if (dueInMs > EARLY_TOLERANCE_MS) {
    const seconds = Math.min(MAX_DELAY_SECONDS, Math.ceil(dueInMs / 1000));
    await deps.waits.send(wait, seconds);
    logger.debug('wait not due yet; delayed again', {
      deliveryId: wait.message.deliveryId,
      wait: wait.message.wait,
      delaySeconds: seconds,
    });
    return 'delayed';
  }
  await deps.requests.send(wait.message);
  logger.info('wait over; schedule sent back to the requests queue', {
    deliveryId: wait.message.deliveryId,
    wait: wait.message.wait,
  });
  return 'forwarded';
}
