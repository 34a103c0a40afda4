import { describe, expect, it } from 'vitest';
import type { QueueSender } from '../model.ts';
import { createMeter } from './meter.ts';
import {
  attributesSize,
  messageSize,
  meteredQueueSender,
  meterSqsCall,
  queueNameOf,
  requestPayload,
} from './sqs-usage.ts';

const KB = 1024;
const QUEUE_URL = 'http://127.0.0.1:4566/000000000000/orders';

describe('SQS payloads', () => {
  it('counts message attributes by name, type and value', () => {
    // Prepare
    const attributes = {
      kind: { DataType: 'String', StringValue: 'order' },
      blob: { DataType: 'Binary', BinaryValue: Buffer.from('abc').toString('base64') },
    };
    // Act
    const size = attributesSize(attributes);
    // Assess
    expect(size).toBe(4 + 6 + 5 + (4 + 6 + 3));
  });

  it('measures sent and received messages alike', () => {
    // Act
    const sent = messageSize({ MessageBody: 'héllo' });
    const received = messageSize({
      Body: 'héllo',
      MessageAttributes: { a: { DataType: 'String', StringValue: 'b' } },
    });
    // Assess
    expect(sent).toBe(6);
    expect(received).toBe(6 + 1 + 6 + 1);
  });

  it('sums the entries of a batch and counts nothing for other actions', () => {
    // Act
    const batch = requestPayload('SendMessageBatch', {
      Entries: [{ MessageBody: 'ab' }, { MessageBody: 'cde' }],
    });
    const other = requestPayload('DeleteMessage', { QueueUrl: QUEUE_URL, ReceiptHandle: 'r' });
    // Assess
    expect(batch).toBe(5);
    expect(other).toBe(0);
  });

  it('names the queue by its URL or by the name it creates', () => {
    // Act
    const names = [queueNameOf({ QueueUrl: QUEUE_URL }), queueNameOf({ QueueName: 'new' }), queueNameOf({})];
    // Assess
    expect(names).toEqual(['orders', 'new', undefined]);
  });
});

describe('meterSqsCall', () => {
  it('counts one 70 KB message as 2 requests', () => {
    // Prepare
    const meter = createMeter();
    // Act
    const reader = meterSqsCall(meter, 'SendMessage', {
      QueueUrl: QUEUE_URL,
      MessageBody: 'x'.repeat(70 * KB),
    });
    // Assess
    expect(reader).toBeUndefined();
    expect(meter.snapshot().sqs.orders).toMatchObject({ calls: 1, requests: 2 });
  });

  it('meters a receive from its answer: the messages it got', () => {
    // Prepare
    const meter = createMeter();
    const read = meterSqsCall(meter, 'ReceiveMessage', { QueueUrl: QUEUE_URL });
    // Act
    read?.(JSON.stringify({ Messages: [{ Body: 'x'.repeat(40 * KB) }, { Body: 'y'.repeat(40 * KB) }] }), 200);
    // Assess
    expect(meter.snapshot().sqs.orders).toMatchObject({ calls: 1, requests: 2, emptyReceives: 0 });
  });

  it('counts a receive that found nothing as one empty receive', () => {
    // Prepare
    const meter = createMeter();
    // Act
    meterSqsCall(meter, 'ReceiveMessage', { QueueUrl: QUEUE_URL })?.('{}', 200);
    meterSqsCall(meter, 'ReceiveMessage', { QueueUrl: QUEUE_URL })?.('not json', 200);
    meterSqsCall(meter, 'ReceiveMessage', { QueueUrl: QUEUE_URL })?.('{"__type":"QueueDoesNotExist"}', 400);
    // Assess
    expect(meter.snapshot().sqs.orders).toMatchObject({ calls: 3, requests: 3, emptyReceives: 2 });
  });
});

describe('meteredQueueSender', () => {
  it('meters what reached the queue as a SendMessage, attributes included', async () => {
    // Prepare
    const meter = createMeter();
    const sent: string[] = [];
    const inner: QueueSender = {
      async sendMessage(arn, body) {
        sent.push(`${arn} ${body.length}`);
      },
    };
    const sender = meteredQueueSender(inner, meter);
    // Act
    await sender.sendMessage('arn:aws:sqs:us-east-1:000000000000:events.fifo', 'x'.repeat(64 * KB), {
      messageGroupId: 'g',
      messageAttributes: { a: { DataType: 'String', StringValue: 'b' } },
    });
    // Assess
    expect(sent).toEqual([`arn:aws:sqs:us-east-1:000000000000:events.fifo ${64 * KB}`]);
    expect(meter.snapshot().sqs['events.fifo']).toMatchObject({ fifo: true, calls: 1, requests: 2 });
  });

  it('meters nothing when the send failed', async () => {
    // Prepare
    const meter = createMeter();
    const inner: QueueSender = {
      async sendMessage() {
        throw new Error('no such queue');
      },
    };
    // Act
    const sending = meteredQueueSender(inner, meter).sendMessage('arn:aws:sqs:us-east-1:000000000000:q', 'b');
    // Assess
    await expect(sending).rejects.toThrow('no such queue');
    expect(meter.snapshot().sqs).toEqual({});
  });
});
