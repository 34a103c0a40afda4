// The poller: batch size, batching window, concurrency, disabled mappings and stopping.
import { describe, expect, it, vi } from 'vitest';
import {
  bodiesOf,
  createQueue,
  mappingResource,
  mappings,
  ok,
  queueDepth,
  recordingInvoker,
  sendBodies,
  stackWith,
  start,
  useFauxqs,
} from './sqs-test-support.ts';

useFauxqs();

describe('createEventSourceMappings: batching', () => {
  it('never puts more records in a batch than BatchSize', async () => {
    const queue = await createQueue();
    await sendBodies(
      queue.url,
      Array.from({ length: 7 }, (_, index) => `m${index}`),
    );
    const { invoker, events } = recordingInvoker(() => ok());

    start(stackWith(mappingResource(queue.arn, { BatchSize: 3 })), invoker);

    await vi.waitFor(() => expect(events.flatMap(bodiesOf)).toHaveLength(7));
    expect(Math.max(...events.map((event) => event.Records.length))).toBeLessThanOrEqual(3);
  });

  it('gathers several receives into one batch above ten within the batching window', async () => {
    const queue = await createQueue();
    await sendBodies(
      queue.url,
      Array.from({ length: 15 }, (_, index) => `m${index}`),
    );
    const { invoker, events } = recordingInvoker(() => ok());

    start(
      stackWith(mappingResource(queue.arn, { BatchSize: 15, MaximumBatchingWindowInSeconds: 1 })),
      invoker,
    );

    await vi.waitFor(() => expect(events).toHaveLength(1), { timeout: 5000 });
    expect(events[0]?.Records).toHaveLength(15);
  });

  it('runs no more batches at once than ScalingConfig.MaximumConcurrency', async () => {
    const queue = await createQueue();
    await sendBodies(
      queue.url,
      Array.from({ length: 6 }, (_, index) => `m${index}`),
    );
    let running = 0;
    let maxRunning = 0;
    const { invoker, events } = recordingInvoker(async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, 150));
      running -= 1;
      return ok();
    });

    start(
      stackWith(mappingResource(queue.arn, { BatchSize: 1, ScalingConfig: { MaximumConcurrency: 2 } })),
      invoker,
    );

    await vi.waitFor(() => expect(events).toHaveLength(6), { timeout: 5000 });
    expect(maxRunning).toBe(2);
  });

  it('does not poll a disabled mapping', async () => {
    const queue = await createQueue();
    await sendBodies(queue.url, ['waiting']);
    const { invoker, events } = recordingInvoker(() => ok());

    start(stackWith(mappingResource(queue.arn, { Enabled: false })), invoker);
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(events).toHaveLength(0);
    expect(queueDepth(queue.url)).toBe(1);
  });

  it('waits for the batch in flight when stopped', async () => {
    const queue = await createQueue();
    await sendBodies(queue.url, ['slow']);
    let finished = false;
    const { invoker, events } = recordingInvoker(async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      finished = true;
      return ok();
    });
    start(stackWith(mappingResource(queue.arn)), invoker);
    await vi.waitFor(() => expect(events).toHaveLength(1));

    await mappings?.stop();

    expect(finished).toBe(true);
    expect(queueDepth(queue.url)).toBe(0);
  });
});
