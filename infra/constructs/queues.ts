// Queues with the app's defaults: SQS-managed encryption, TLS only, explicit names (the local
// cloud names a queue after its QueueName, and a FIFO queue's name must end in `.fifo`), and a
// dead-letter queue for every queue that a consumer reads.
import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeNagRule } from './nag-acknowledgements.ts';

// The longest a failed message may wait for an operator; SQS allows at most 14 days.
const DEAD_LETTER_RETENTION = Duration.days(14);

export interface SecureQueueProps {
  /** Short name; the stack name is prefixed and `.fifo` appended for FIFO queues. */
  readonly name: string;
  readonly fifo?: boolean;
  readonly visibilityTimeout?: Duration;
  readonly retentionPeriod?: Duration;
  readonly removalPolicy: RemovalPolicy;
  readonly deadLetter?: { readonly queue: Queue; readonly maxReceiveCount: number };
}

/** A queue's physical name: `<stack name>-<name>`, with `.fifo` for FIFO queues. */
export function queueName(scope: Construct, name: string, fifo: boolean): string {
  return `${Stack.of(scope).stackName}-${name}${fifo ? '.fifo' : ''}`;
}

/** Creates a queue with encryption, TLS enforcement and, when given, its redrive policy. */
export function createSecureQueue(scope: Construct, id: string, props: SecureQueueProps): Queue {
  const fifo = props.fifo ?? false;
  return new Queue(scope, id, {
    queueName: queueName(scope, props.name, fifo),
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    removalPolicy: props.removalPolicy,
    ...(fifo ? { fifo: true, contentBasedDeduplication: false } : {}),
    ...(props.visibilityTimeout === undefined ? {} : { visibilityTimeout: props.visibilityTimeout }),
    ...(props.retentionPeriod === undefined ? {} : { retentionPeriod: props.retentionPeriod }),
    ...(props.deadLetter === undefined ? {} : { deadLetterQueue: props.deadLetter }),
  });
}

export interface WorkQueueProps {
  readonly name: string;
  readonly fifo?: boolean;
  /** AWS's guidance: at least six times the consumer's timeout (plus its batching window). */
  readonly visibilityTimeout: Duration;
  readonly maxReceiveCount: number;
  readonly removalPolicy: RemovalPolicy;
}

/** A queue a function consumes, with its own dead-letter queue of the same kind (FIFO or standard). */
export class WorkQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    const fifo = props.fifo ?? false;
    this.maxReceiveCount = props.maxReceiveCount;
    this.deadLetterQueue = createSecureQueue(this, 'DeadLetterQueue', {
      name: `${props.name}-dlq`,
      fifo,
      retentionPeriod: DEAD_LETTER_RETENTION,
      removalPolicy: props.removalPolicy,
    });
    this.queue = createSecureQueue(this, 'Queue', {
      name: props.name,
      fifo,
      visibilityTimeout: props.visibilityTimeout,
      // Longer than the queue's retries take, so nothing expires before it reaches the DLQ.
      retentionPeriod: Duration.days(4),
      removalPolicy: props.removalPolicy,
      deadLetter: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
  }
}

/** A dead-letter queue for an EventBridge rule target: events the bus could not deliver land here. */
export function createTargetDeadLetterQueue(
  scope: Construct,
  id: string,
  name: string,
  removalPolicy: RemovalPolicy,
): Queue {
  const queue = createSecureQueue(scope, id, {
    name,
    retentionPeriod: DEAD_LETTER_RETENTION,
    removalPolicy,
  });
  acknowledgeNagRule(
    queue,
    'SQS3',
    'This queue is a dead-letter queue itself (of an EventBridge target, which SQS3 does not see); it has a depth alarm',
  );
  return queue;
}
