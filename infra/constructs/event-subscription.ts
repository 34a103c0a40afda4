// A consumer's subscription to the bus: a rule on the custom bus whose target is the consumer's
// own queue. The queue levels bursts and retries with its dead-letter queue; the target has a
// retry policy and a dead-letter queue of its own for events the bus could not deliver.
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { type EventPattern, type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { createTargetDeadLetterQueue, WorkQueue } from './queues.ts';

export interface EventSubscriptionProps {
  readonly bus: IEventBus;
  /** Short name of the queue, e.g. `history-events`. */
  readonly name: string;
  readonly description: string;
  readonly eventPattern: EventPattern;
  /** The consuming function's timeout; the queue's visibility timeout is derived from it. */
  readonly consumerTimeout: Duration;
  readonly maxBatchingWindow?: Duration;
  readonly maxReceiveCount?: number;
  readonly removalPolicy: RemovalPolicy;
}

/** Rule → queue (with DLQ), the target with retries and a target DLQ. */
export class EventSubscription extends Construct {
  readonly rule: Rule;
  readonly workQueue: WorkQueue;
  readonly targetDeadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: EventSubscriptionProps) {
    super(scope, id);
    // AWS's guidance for Lambda consumers: six times the function timeout plus the batching window.
    const visibilitySeconds =
      6 * props.consumerTimeout.toSeconds() + (props.maxBatchingWindow?.toSeconds() ?? 0);
    this.workQueue = new WorkQueue(this, 'Queue', {
      name: props.name,
      visibilityTimeout: Duration.seconds(visibilitySeconds),
      maxReceiveCount: props.maxReceiveCount ?? 5,
      removalPolicy: props.removalPolicy,
    });
    this.targetDeadLetterQueue = createTargetDeadLetterQueue(
      this,
      'TargetDeadLetterQueue',
      `${props.name}-target-dlq`,
      props.removalPolicy,
    );
    this.rule = new Rule(this, 'Rule', {
      eventBus: props.bus,
      description: props.description,
      eventPattern: props.eventPattern,
      targets: [
        new SqsQueue(this.workQueue.queue, {
          deadLetterQueue: this.targetDeadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });
  }
}
