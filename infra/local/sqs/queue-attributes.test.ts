// Template properties of a queue translated to CreateQueue attributes.
import { describe, expect, it } from 'vitest';
import { queueAttributes } from './queue-attributes.ts';

const dlqArn = 'arn:aws:sqs:us-east-1:000000000000:jobs-dlq';

describe('queue attributes', () => {
  it('turns template properties into queue attributes and leaves encryption out', () => {
    const attributes = queueAttributes({
      VisibilityTimeout: 30,
      RedrivePolicy: { deadLetterTargetArn: dlqArn, maxReceiveCount: 3 },
      SqsManagedSseEnabled: true,
    });

    expect(attributes).toEqual({
      VisibilityTimeout: '30',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 }),
    });
  });
});
