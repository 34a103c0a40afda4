import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.ts';
import type { ResolvedResource } from '../model.ts';
import { type LocalSqs, startLocalSqs } from './local-sqs.ts';

// A dead-letter queue with a dead-letter queue of its own (the scheduler's requests → DLQ → unsettled).

function queue(name: string, redriveTo?: string): ResolvedResource {
  return {
    logicalId: name,
    type: 'AWS::SQS::Queue',
    properties: {
      QueueName: name,
      VisibilityTimeout: 0,
      ...(redriveTo
        ? {
            RedrivePolicy: {
              deadLetterTargetArn: `arn:aws:sqs:us-east-1:000000000000:${redriveTo}`,
              maxReceiveCount: 2,
            },
          }
        : {}),
    },
    physicalName: name,
    ref: '',
    attributes: { Arn: `arn:aws:sqs:us-east-1:000000000000:${name}` },
    dependsOn: [],
  };
}

describe('a message moved to a dead-letter queue', () => {
  let sqs: LocalSqs;
  let client: SQSClient;

  beforeAll(async () => {
    sqs = await startLocalSqs({
      port: 0,
      edgeUrl: 'http://127.0.0.1:9',
      resources: [queue('work', 'work-dlq'), queue('work-dlq', 'work-unsettled'), queue('work-unsettled')],
      log: silentLogger,
    });
    client = new SQSClient({
      endpoint: sqs.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client.destroy();
    await sqs.stop();
  });

  it('starts with a fresh receive count and reaches the dead-letter queue consumer', async () => {
    const url = (name: string) => sqs.queues.get(name)?.url ?? '';
    await client.send(new SendMessageCommand({ QueueUrl: url('work'), MessageBody: 'poison' }));
    for (let receive = 1; receive <= 3; receive++) {
      await client.send(new ReceiveMessageCommand({ QueueUrl: url('work') }));
    }

    const dead = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: url('work-dlq'),
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    const unsettled = await client.send(new ReceiveMessageCommand({ QueueUrl: url('work-unsettled') }));

    expect(dead.Messages?.[0]?.Body).toBe('poison');
    expect(dead.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(unsettled.Messages ?? []).toHaveLength(0);
  });
});
