// What a mapping deletes after each batch, partial batch responses included, and AWS's rules for them.
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it, vi } from 'vitest';
import { failedItems } from './event-source-mappings.ts';
import {
  bodiesOf,
  createQueue,
  mappingResource,
  ok,
  queueDepth,
  recordingInvoker,
  sendBodies,
  sqs,
  stackWith,
  start,
  useFauxqs,
} from './sqs-test-support.ts';

useFauxqs();

describe('createEventSourceMappings: deletion', () => {
  it('deletes every message of a successful batch', async () => {
    const queue = await createQueue();
    await sendBodies(queue.url, ['a', 'b', 'c']);
    const { invoker, events } = recordingInvoker(() => ok(null));

    start(stackWith(mappingResource(queue.arn)), invoker);

    await vi.waitFor(() => expect(events.flatMap(bodiesOf).sort()).toEqual(['a', 'b', 'c']));
    await vi.waitFor(() => expect(queueDepth(queue.url)).toBe(0));
  });

  it('re-delivers only the record a partial batch response reports as failed', async () => {
    const queue = await createQueue();
    await sendBodies(queue.url, ['good-1', 'bad', 'good-2']);
    const { invoker, events } = recordingInvoker((event, call) => {
      const bad = event.Records.find((record) => record.body === 'bad');
      return ok({ batchItemFailures: call === 1 && bad ? [{ itemIdentifier: bad.messageId }] : [] });
    });

    start(
      stackWith(mappingResource(queue.arn, { FunctionResponseTypes: ['ReportBatchItemFailures'] })),
      invoker,
    );

    await vi.waitFor(() => expect(events).toHaveLength(2), { timeout: 5000 });
    expect(bodiesOf(events[0]).sort()).toEqual(['bad', 'good-1', 'good-2']);
    expect(bodiesOf(events[1])).toEqual(['bad']);
    expect(events[1]?.Records[0]?.attributes.ApproximateReceiveCount).toBe('2');
    await vi.waitFor(() => expect(queueDepth(queue.url)).toBe(0));
  });

  it('deletes nothing when the invocation fails', async () => {
    const queue = await createQueue();
    await sendBodies(queue.url, ['x', 'y']);
    const { invoker, events } = recordingInvoker((_event, call) =>
      call === 1 ? { ok: false, errorType: 'Error', errorMessage: 'boom' } : ok(),
    );

    start(
      stackWith(mappingResource(queue.arn, { FunctionResponseTypes: ['ReportBatchItemFailures'] })),
      invoker,
    );

    await vi.waitFor(() => expect(events).toHaveLength(2), { timeout: 5000 });
    expect(bodiesOf(events[1]).sort()).toEqual(['x', 'y']);
  });

  it('deletes nothing when a partial batch response names an unknown message', async () => {
    const queue = await createQueue();
    await sendBodies(queue.url, ['x']);
    const { invoker, events } = recordingInvoker((_event, call) =>
      ok(call === 1 ? { batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] } : {}),
    );

    const { log } = start(
      stackWith(mappingResource(queue.arn, { FunctionResponseTypes: ['ReportBatchItemFailures'] })),
      invoker,
    );

    await vi.waitFor(() => expect(events).toHaveLength(2), { timeout: 5000 });
    expect(bodiesOf(events[1])).toEqual(['x']);
    expect(log.warn).toHaveBeenCalledWith(
      'invalid partial batch response: the whole batch failed',
      expect.anything(),
    );
  });

  it('leaves a record that always fails to the queue redrive, which moves it to the DLQ', async () => {
    const queue = await createQueue({ maxReceiveCount: 2 });
    await sendBodies(queue.url, ['poison']);
    const { invoker } = recordingInvoker(() => ({ ok: false, errorType: 'Error', errorMessage: 'poison' }));

    start(stackWith(mappingResource(queue.arn)), invoker);

    await vi.waitFor(
      async () => {
        const moved = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queue.dlqUrl, WaitTimeSeconds: 0 }),
        );
        expect(moved.Messages?.map((message) => message.Body)).toEqual(['poison']);
      },
      { timeout: 8000, interval: 200 },
    );
  });
});

describe('failedItems', () => {
  const ids = new Set(['m1', 'm2']);

  it('treats a null response as complete success', () => {
    expect(failedItems(null, ids)).toEqual(new Set());
  });

  it('treats an empty object or list as complete success', () => {
    expect(failedItems({}, ids)).toEqual(new Set());
    expect(failedItems({ batchItemFailures: [] }, ids)).toEqual(new Set());
  });

  it('returns the reported identifiers', () => {
    expect(failedItems({ batchItemFailures: [{ itemIdentifier: 'm2' }] }, ids)).toEqual(new Set(['m2']));
  });

  it('treats empty, missing or unknown identifiers as complete failure', () => {
    expect(failedItems({ batchItemFailures: [{ itemIdentifier: '' }] }, ids)).toBe('invalid');
    expect(failedItems({ batchItemFailures: [{ id: 'm1' }] }, ids)).toBe('invalid');
    expect(failedItems({ batchItemFailures: [{ itemIdentifier: 'm9' }] }, ids)).toBe('invalid');
  });

  it('treats a response that is not an object as complete failure', () => {
    expect(failedItems('done', ids)).toBe('invalid');
    expect(failedItems({ batchItemFailures: 'm1' }, ids)).toBe('invalid');
  });
});
