// The dead-letter queue redrive actions fauxqs lacks, answered as AWS does on the emulator's own actions.
import { randomUUID } from 'node:crypto';
import { ACCOUNT_ID, INTERNAL_PREFIX, QUEUE_URL, REGION } from './queue-urls.ts';
import { SqsCallError } from './sqs-call-error.ts';

/** Calls an SQS action of the emulator in-process. */
export type SqsCall = <T>(action: string, input: Record<string, unknown>) => Promise<T>;

/** An action the emulator does not answer itself, by its name. */
export type RedriveActions = Record<
  'ListDeadLetterSourceQueues' | 'StartMessageMoveTask' | 'ListMessageMoveTasks',
  (input: Record<string, unknown>) => Promise<unknown>
>;

interface MoveTask {
  TaskHandle: string;
  Status: 'RUNNING' | 'COMPLETED' | 'FAILED';
  SourceArn: string;
  DestinationArn: string;
  ApproximateNumberOfMessagesMoved: number;
  StartedTimestamp: number;
  FailureReason?: string;
}

interface ReceivedMessage {
  MessageId: string;
  ReceiptHandle: string;
  Body: string;
  Attributes?: Record<string, string>;
  MessageAttributes?: Record<string, unknown>;
}

/** The redrive actions, on the emulator reached through `call`; move tasks are kept in memory. */
export function createRedriveActions(call: SqsCall): RedriveActions {
  const moveTasks: MoveTask[] = [];

  const queueArnOfUrl = (url: string): string => {
    const match = QUEUE_URL.exec(url);
    if (!match)
      throw new SqsCallError('InvalidAddress', `The address ${url} is not valid for this endpoint.`, 404);
    return `arn:aws:sqs:${REGION}:${match[1]}:${match[2]}`;
  };
  const urlOfArn = (arn: string): string => {
    const name = arn.slice(arn.lastIndexOf(':') + 1);
    return `${INTERNAL_PREFIX}${ACCOUNT_ID}/${name}`;
  };

  async function sourceQueuesOf(dlqArn: string): Promise<{ url: string; arn: string }[]> {
    const listed = await call<{ QueueUrls?: string[] }>('ListQueues', {});
    const sources: { url: string; arn: string }[] = [];
    for (const url of listed.QueueUrls ?? []) {
      const attributes = await call<{ Attributes?: Record<string, string> }>('GetQueueAttributes', {
        QueueUrl: url,
        AttributeNames: ['RedrivePolicy', 'QueueArn'],
      });
      const policy = attributes.Attributes?.RedrivePolicy;
      if (policy && (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn === dlqArn) {
        sources.push({ url, arn: attributes.Attributes?.QueueArn ?? queueArnOfUrl(url) });
      }
    }
    return sources;
  }

  async function originalSourceOf(dlqArn: string): Promise<string> {
    const sources = await sourceQueuesOf(dlqArn);
    // AWS remembers each message's source queue; here a DLQ with one source queue is unambiguous.
    if (sources.length !== 1) {
      throw new SqsCallError(
        'InvalidParameterValue',
        `${dlqArn} is the dead-letter queue of ${sources.length} queues here: give a DestinationArn`,
        400,
      );
    }
    return sources[0]!.arn;
  }

  async function moveMessages(task: MoveTask): Promise<void> {
    const from = urlOfArn(task.SourceArn);
    const to = urlOfArn(task.DestinationArn);
    const fifo = task.DestinationArn.endsWith('.fifo');
    try {
      for (;;) {
        const batch = await call<{ Messages?: ReceivedMessage[] }>('ReceiveMessage', {
          QueueUrl: from,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 30,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        });
        const messages = batch.Messages ?? [];
        if (messages.length === 0) break;
        for (const message of messages) {
          await call('SendMessage', {
            QueueUrl: to,
            MessageBody: message.Body,
            ...(message.MessageAttributes ? { MessageAttributes: message.MessageAttributes } : {}),
            ...(fifo
              ? {
                  MessageGroupId: message.Attributes?.MessageGroupId ?? 'redrive',
                  MessageDeduplicationId: message.Attributes?.MessageDeduplicationId ?? message.MessageId,
                }
              : {}),
          });
          await call('DeleteMessage', { QueueUrl: from, ReceiptHandle: message.ReceiptHandle });
          task.ApproximateNumberOfMessagesMoved++;
        }
      }
      task.Status = 'COMPLETED';
    } catch (error) {
      task.Status = 'FAILED';
      task.FailureReason = (error as Error).message;
      throw error;
    }
  }

  return {
    ListDeadLetterSourceQueues: async (input: Record<string, unknown>) => {
      const dlqArn = queueArnOfUrl(String(input.QueueUrl ?? ''));
      return { queueUrls: (await sourceQueuesOf(dlqArn)).map((source) => source.url) };
    },
    StartMessageMoveTask: async (input: Record<string, unknown>) => {
      const sourceArn = String(input.SourceArn ?? '');
      const destinationArn =
        typeof input.DestinationArn === 'string' ? input.DestinationArn : await originalSourceOf(sourceArn);
      const task: MoveTask = {
        TaskHandle: randomUUID(),
        Status: 'RUNNING',
        SourceArn: sourceArn,
        DestinationArn: destinationArn,
        ApproximateNumberOfMessagesMoved: 0,
        StartedTimestamp: Date.now(),
      };
      moveTasks.push(task);
      await moveMessages(task);
      return { TaskHandle: task.TaskHandle };
    },
    ListMessageMoveTasks: async (input: Record<string, unknown>) => ({
      Results: moveTasks.filter((task) => task.SourceArn === input.SourceArn).reverse(),
    }),
  };
}
