// Metering of SQS calls: every action the edge serves (the app's sends, the event source mappings'
// receives, deletes and visibility changes, which AWS bills as well) and the sends of EventBridge targets
// and Lambda destinations, which reach the queues in-process. A call is billed one request per started
// 64 KB of its payload: the messages it sends or receives, bodies and attributes.
import type { QueueSender } from '../model.ts';
import type { Meter } from './meter.ts';

type Body = Record<string, unknown>;

function record(value: unknown): Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Body) : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function utf8(value: unknown): number {
  return typeof value === 'string' ? Buffer.byteLength(value) : 0;
}

/** Bytes of message attributes as SQS counts them against a message's size: name, type and value. */
export function attributesSize(attributes: unknown): number {
  let size = 0;
  for (const [name, value] of Object.entries(record(attributes))) {
    const attribute = record(value);
    const binary = attribute.BinaryValue;
    size += utf8(name) + utf8(attribute.DataType) + utf8(attribute.StringValue);
    if (typeof binary === 'string') size += Buffer.from(binary, 'base64').length;
  }
  return size;
}

/** Bytes of one message, sent (`MessageBody`) or received (`Body`), with its attributes. */
export function messageSize(message: unknown): number {
  const fields = record(message);
  return utf8(fields.MessageBody ?? fields.Body) + attributesSize(fields.MessageAttributes);
}

/** The payload a request carries: the messages it sends (0 for the other actions). */
export function requestPayload(action: string, input: Body): number {
  if (action === 'SendMessage') return messageSize(input);
  if (action === 'SendMessageBatch') {
    return list(input.Entries).reduce<number>((sum, entry) => sum + messageSize(entry), 0);
  }
  return 0;
}

/** The queue a request is about: its URL's last segment, or the name it creates. */
export function queueNameOf(input: Body): string | undefined {
  if (typeof input.QueueUrl === 'string') {
    const name = input.QueueUrl.split('/').filter(Boolean).pop();
    if (name) return name;
  }
  return typeof input.QueueName === 'string' ? input.QueueName : undefined;
}

/**
 * Meters one SQS call the edge serves. A receive is metered from its answer (the messages it got, or
 * none): the function returned reads the answer. Every other call is metered at once.
 */
export function meterSqsCall(
  meter: Pick<Meter, 'sqsCall'>,
  action: string,
  input: Body,
): ((answer: string, status: number) => void) | undefined {
  const queue = queueNameOf(input);
  if (action !== 'ReceiveMessage') {
    meter.sqsCall(queue, action, requestPayload(action, input));
    return undefined;
  }
  return (answer, status) => {
    let messages: unknown[] = [];
    if (status < 300) {
      try {
        messages = list(record(JSON.parse(answer)).Messages);
      } catch {
        messages = [];
      }
    }
    const payload = messages.reduce<number>((sum, message) => sum + messageSize(message), 0);
    meter.sqsCall(queue, action, payload, status < 300 && messages.length === 0);
  };
}

/** A queue sender whose successful sends are metered as SendMessage calls on the queue. */
export function meteredQueueSender(sender: QueueSender, meter: Pick<Meter, 'sqsCall'>): QueueSender {
  return {
    async sendMessage(queueArn, body, options) {
      await sender.sendMessage(queueArn, body, options);
      const queue = queueArn.split(':').pop();
      const bytes = utf8(body) + attributesSize(options?.messageAttributes);
      meter.sqsCall(queue, 'SendMessage', bytes);
    },
  };
}
