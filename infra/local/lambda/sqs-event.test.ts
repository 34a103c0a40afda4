// The SQS event a mapped function receives, as Lambda builds it.
import { describe, expect, it, vi } from 'vitest';
import {
  createQueue,
  mappingResource,
  ok,
  REGION,
  recordingInvoker,
  sendBodies,
  stackWith,
  start,
  useFauxqs,
} from './sqs-test-support.ts';

useFauxqs();

describe('createEventSourceMappings: event shape', () => {
  it('builds the SQS event of a FIFO queue as Lambda does', async () => {
    const queue = await createQueue({ fifo: true });
    await sendBodies(queue.url, ['{"n":1}'], {
      MessageGroupId: 'group-1',
      MessageDeduplicationId: 'dedup-1',
      MessageAttributes: {
        correlationId: { DataType: 'String', StringValue: 'c-1' },
        blob: { DataType: 'Binary', BinaryValue: Buffer.from('hi') },
      },
    });
    const { invoker, events } = recordingInvoker(() => ok());

    start(stackWith(mappingResource(queue.arn)), invoker);

    await vi.waitFor(() => expect(events).toHaveLength(1));
    const record = events[0]?.Records[0];
    expect(record).toMatchObject({
      body: '{"n":1}',
      md5OfBody: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: REGION,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d+$/),
        SenderId: expect.any(String),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d+$/),
        MessageGroupId: 'group-1',
        MessageDeduplicationId: 'dedup-1',
        SequenceNumber: expect.stringMatching(/^\d+$/),
      },
      messageAttributes: {
        correlationId: { stringValue: 'c-1', stringListValues: [], binaryListValues: [], dataType: 'String' },
        blob: { binaryValue: 'aGk=', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
      },
    });
    expect(record?.messageId).toMatch(/.+/);
    expect(record?.receiptHandle).toMatch(/.+/);
  });
});
