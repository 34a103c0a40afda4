// The SQS event of an event source mapping, record by record in the shape Lambda delivers: system
// attributes with their known keys first, message attributes in lowercase, binary values in base64.
import type { Message } from '@aws-sdk/client-sqs';
import type { SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';

const KNOWN_ATTRIBUTES = [
  'ApproximateReceiveCount',
  'SentTimestamp',
  'SenderId',
  'ApproximateFirstReceiveTimestamp',
] as const;

/** The Lambda record of a received message of the queue `eventSourceArn` in `region`. */
export function toRecord(message: Message, eventSourceArn: string, region: string): SQSRecord {
  const received = message.Attributes ?? {};
  const attributes: Record<string, string> = {};
  for (const key of KNOWN_ATTRIBUTES) attributes[key] = received[key] ?? '';
  for (const [key, value] of Object.entries(received)) {
    if (value !== undefined && !(key in attributes)) attributes[key] = value;
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: attributes as unknown as SQSRecordAttributes,
    messageAttributes: toLambdaAttributes(message),
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: eventSourceArn,
    awsRegion: region,
  };
}

// SQS's message attributes in the lowercase shape Lambda delivers (binary values base64-encoded).
function toLambdaAttributes(message: Message): SQSMessageAttributes {
  const result: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    result[name] = {
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined
        ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
        : {}),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((item) => Buffer.from(item).toString('base64')),
      dataType: value.DataType ?? 'String',
    };
  }
  return result;
}
