// Dead-letter queues of the template: which queues are DLQs and of what, their depth, their messages
// with the reason each failed, and a redrive with StartMessageMoveTask's semantics (the SQS emulator
// has no message move task, so it is done here: receive, send to the source, delete).
import type { RuleInfo } from '../eventbridge/index.ts';
import type { InvokeResult } from '../model.ts';
import { lastErrorsByMessageId, readLogs } from './logs.ts';
import { nameOfArn, type QueueInfo, serviceOf } from './topology.ts';

/** What a dead-letter queue collects failures of. */
export type DeadLetterSource =
  | { kind: 'queue'; queueName: string; queueArn: string; maxReceiveCount: number }
  | { kind: 'rule-target'; ruleName: string; targetId: string; targetArn: string };

export interface DeadLetterQueueInfo {
  name: string;
  arn: string;
  url: string;
  sources: DeadLetterSource[];
  /** Messages available (ApproximateNumberOfMessages). */
  depth: number;
  /** Messages received and not yet deleted (ApproximateNumberOfMessagesNotVisible). */
  inFlight: number;
}

export interface DeadLetterMessage {
  messageId: string;
  body: string;
  sentAt?: string;
  receiveCount: number;
  messageGroupId?: string;
  /** Why it failed: the target error EventBridge attached, the consumer's last logged error, or the receive count. */
  reason: string;
  attributes: Record<string, string>;
}

/** The SQS JSON protocol, called in-process (the local SQS's `call`). */
export interface SqsCaller {
  call<T = Record<string, unknown>>(action: string, input: Record<string, unknown>): Promise<T>;
}

export interface DeadLetterToolsOptions {
  queues: Map<string, QueueInfo>;
  rules(): RuleInfo[];
  sqs: SqsCaller;
  /** Folder of the functions' logs, searched for a consumer's last error about a message. */
  logDir: string;
  /** The last failure a consumer had with a message, as the local cloud saw it (injected faults included). */
  consumerFailure?(messageId: string): { functionName: string; reason: string } | undefined;
  /** Redrives a rule-target DLQ whose target is a function: invokes it asynchronously. */
  invokeAsync?(functionArn: string, event: unknown): Promise<InvokeResult>;
}

/** A request the tools refuse (unknown queue, no source to redrive to, ...). */
export class DeadLetterError extends Error {
  override readonly name = 'DeadLetterError';
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

interface ReceivedMessage {
  MessageId?: string;
  ReceiptHandle?: string;
  Body?: string;
  Attributes?: Record<string, string>;
  MessageAttributes?: Record<string, { DataType?: string; StringValue?: string; BinaryValue?: unknown }>;
}

const RECEIVE_BATCH = 10;
const PEEK_VISIBILITY_SECONDS = 30;

export interface DeadLetterTools {
  list(): Promise<DeadLetterQueueInfo[]>;
  show(queue: string, limit?: number): Promise<{ queue: DeadLetterQueueInfo; messages: DeadLetterMessage[] }>;
  redrive(queue: string, to?: string): Promise<{ queue: string; destination: string; moved: number }>;
}

/** Builds the dead-letter queue tools for a stack's queues and rules. */
export function createDeadLetterTools(options: DeadLetterToolsOptions): DeadLetterTools {
  const { queues, sqs } = options;

  function deadLetterQueues(): Map<string, { queue: QueueInfo; sources: DeadLetterSource[] }> {
    const found = new Map<string, { queue: QueueInfo; sources: DeadLetterSource[] }>();
    const add = (arn: string, source: DeadLetterSource) => {
      const queue = queues.get(arn);
      if (!queue) return;
      const entry = found.get(arn) ?? { queue, sources: [] };
      entry.sources.push(source);
      found.set(arn, entry);
    };
    for (const queue of queues.values()) {
      if (queue.redrive) {
        add(queue.redrive.deadLetterArn, {
          kind: 'queue',
          queueName: queue.name,
          queueArn: queue.arn,
          maxReceiveCount: queue.redrive.maxReceiveCount,
        });
      }
    }
    for (const rule of options.rules()) {
      for (const target of rule.targets) {
        const arn = target.DeadLetterConfig?.Arn;
        if (arn)
          add(arn, { kind: 'rule-target', ruleName: rule.name, targetId: target.Id, targetArn: target.Arn });
      }
    }
    return found;
  }

  /** A DLQ by name, ARN, URL or logical id, else by a part of its name that only one DLQ has. */
  function resolve(ref: string): { queue: QueueInfo; sources: DeadLetterSource[] } {
    const all = [...deadLetterQueues().values()];
    const exact = all.find(({ queue }) => [queue.name, queue.arn, queue.url, queue.logicalId].includes(ref));
    if (exact) return exact;
    const partial = all.filter(({ queue }) => queue.name.includes(ref));
    if (partial.length === 1 && partial[0]) return partial[0];
    if (partial.length > 1) {
      throw new DeadLetterError(
        `"${ref}" names several dead-letter queues: ${partial.map(({ queue }) => queue.name).join(', ')}`,
      );
    }
    const plain = [...queues.values()].find((queue) => queue.name === ref || queue.arn === ref);
    throw new DeadLetterError(
      plain ? `${plain.name} is not a dead-letter queue of the template` : `no dead-letter queue "${ref}"`,
      404,
    );
  }

  async function depthOf(queue: QueueInfo): Promise<{ depth: number; inFlight: number }> {
    const answer = await sqs.call<{ Attributes?: Record<string, string> }>('GetQueueAttributes', {
      QueueUrl: queue.url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    });
    return {
      depth: Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
    };
  }

  async function describe(entry: {
    queue: QueueInfo;
    sources: DeadLetterSource[];
  }): Promise<DeadLetterQueueInfo> {
    const { queue, sources } = entry;
    return { name: queue.name, arn: queue.arn, url: queue.url, sources, ...(await depthOf(queue)) };
  }

  async function receive(
    url: string,
    visibilitySeconds: number,
    max = RECEIVE_BATCH,
  ): Promise<ReceivedMessage[]> {
    const answer = await sqs.call<{ Messages?: ReceivedMessage[] }>('ReceiveMessage', {
      QueueUrl: url,
      MaxNumberOfMessages: Math.min(RECEIVE_BATCH, max),
      VisibilityTimeout: visibilitySeconds,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ['All'],
      AttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    });
    return answer.Messages ?? [];
  }

  async function makeVisible(url: string, messages: ReceivedMessage[]): Promise<void> {
    for (let start = 0; start < messages.length; start += RECEIVE_BATCH) {
      const chunk = messages.slice(start, start + RECEIVE_BATCH);
      await sqs.call('ChangeMessageVisibilityBatch', {
        QueueUrl: url,
        Entries: chunk.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: 0,
        })),
      });
    }
  }

  function stringAttributes(message: ReceivedMessage): Record<string, string> {
    const attributes: Record<string, string> = {};
    for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
      if (value.StringValue !== undefined) attributes[name] = value.StringValue;
    }
    return attributes;
  }

  async function show(ref: string, limit = 100) {
    const entry = resolve(ref);
    const info = await describe(entry);
    // A peek: receive everything (hidden meanwhile so that each message comes once), then show it again.
    const received: ReceivedMessage[] = [];
    const seen = new Set<string>();
    while (received.length < limit) {
      const batch = await receive(entry.queue.url, PEEK_VISIBILITY_SECONDS, limit - received.length);
      const fresh = batch.filter((message) => message.MessageId && !seen.has(message.MessageId));
      for (const message of fresh) seen.add(message.MessageId ?? '');
      received.push(...fresh);
      if (fresh.length === 0) break;
    }
    await makeVisible(entry.queue.url, received);
    const withoutTargetError = received
      .filter((message) => stringAttributes(message).ERROR_CODE === undefined)
      .map((message) => message.MessageId ?? '');
    const logged =
      withoutTargetError.length > 0
        ? lastErrorsByMessageId(await readLogs(options.logDir), withoutTargetError)
        : new Map();
    const messages = received.map((message): DeadLetterMessage => {
      const attributes = stringAttributes(message);
      const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? 0);
      const sent = Number(message.Attributes?.SentTimestamp);
      let reason: string;
      if (attributes.ERROR_CODE !== undefined) {
        reason = `${attributes.ERROR_CODE}: ${attributes.ERROR_MESSAGE ?? ''}`;
        if (attributes.RETRY_ATTEMPTS !== undefined)
          reason += ` (after ${attributes.RETRY_ATTEMPTS} retries)`;
      } else if (logged.has(message.MessageId ?? '')) {
        const found = logged.get(message.MessageId ?? '') as { functionName: string; reason: string };
        reason = `${found.functionName}: ${found.reason}`;
      } else if (options.consumerFailure?.(message.MessageId ?? '')) {
        const seen = options.consumerFailure(message.MessageId ?? '') as {
          functionName: string;
          reason: string;
        };
        reason = `${seen.functionName}: ${seen.reason}`;
      } else if (attributes.ErrorMessage !== undefined) {
        reason = attributes.ErrorMessage;
      } else {
        reason = `received ${receiveCount} times without success (no error logged for this message)`;
      }
      return {
        messageId: message.MessageId ?? '',
        body: message.Body ?? '',
        ...(Number.isFinite(sent) ? { sentAt: new Date(sent).toISOString() } : {}),
        receiveCount,
        ...(message.Attributes?.MessageGroupId ? { messageGroupId: message.Attributes.MessageGroupId } : {}),
        reason,
        attributes,
      };
    });
    return { queue: info, messages };
  }

  type Destination = { kind: 'queue'; queue: QueueInfo } | { kind: 'function'; arn: string };

  function destinationOf(entry: { queue: QueueInfo; sources: DeadLetterSource[] }, to?: string): Destination {
    if (to !== undefined) {
      const queue = [...queues.values()].find((candidate) =>
        [candidate.name, candidate.arn, candidate.url, candidate.logicalId].includes(to),
      );
      if (!queue) throw new DeadLetterError(`no queue "${to}" in the template`, 404);
      return { kind: 'queue', queue };
    }
    const destinations = new Map<string, Destination>();
    for (const source of entry.sources) {
      const arn = source.kind === 'queue' ? source.queueArn : source.targetArn;
      const service = serviceOf(arn);
      const queue = queues.get(arn);
      if (queue) destinations.set(arn, { kind: 'queue', queue });
      else if (service === 'lambda') destinations.set(arn, { kind: 'function', arn });
      else throw new DeadLetterError(`cannot redrive to ${arn}: only queues and functions are supported`);
    }
    const [only, ...others] = destinations.values();
    if (!only) throw new DeadLetterError(`${entry.queue.name} has no source to redrive to`);
    if (others.length > 0) {
      throw new DeadLetterError(
        `${entry.queue.name} collects failures of several sources (${[...destinations.keys()].map(nameOfArn).join(', ')}); choose one with --to`,
      );
    }
    return only;
  }

  async function moveOne(
    message: ReceivedMessage,
    destination: Destination,
    redriveId: string,
  ): Promise<void> {
    if (destination.kind === 'function') {
      let event: unknown = message.Body ?? '';
      try {
        event = JSON.parse(message.Body ?? '');
      } catch {
        // A body that is not JSON goes as the text it is.
      }
      if (!options.invokeAsync) throw new DeadLetterError('redrive to a function is not available here');
      const result = await options.invokeAsync(destination.arn, event);
      if (!result.ok)
        throw new DeadLetterError(`${destination.arn} refused the event: ${result.errorMessage}`, 502);
      return;
    }
    const attributes = Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          DataType: value.DataType ?? 'String',
          ...(value.StringValue !== undefined ? { StringValue: value.StringValue } : {}),
          ...(value.BinaryValue !== undefined ? { BinaryValue: value.BinaryValue } : {}),
        },
      ]),
    );
    const fifo = destination.queue.fifo
      ? {
          MessageGroupId: message.Attributes?.MessageGroupId ?? message.MessageId,
          // A new deduplication id: the original one may still be inside the queue's deduplication window.
          MessageDeduplicationId: `${message.MessageId}-${redriveId}`.slice(0, 128),
        }
      : {};
    await sqs.call('SendMessage', {
      QueueUrl: destination.queue.url,
      MessageBody: message.Body ?? '',
      ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
      ...fifo,
    });
  }

  async function redrive(ref: string, to?: string) {
    const entry = resolve(ref);
    const destination = destinationOf(entry, to);
    if (destination.kind === 'queue' && destination.queue.arn === entry.queue.arn) {
      throw new DeadLetterError('the destination is the dead-letter queue itself');
    }
    const redriveId = Date.now().toString(36);
    let moved = 0;
    const seen = new Set<string>();
    for (;;) {
      const batch = (await receive(entry.queue.url, 60)).filter(
        (message) => message.MessageId && !seen.has(message.MessageId),
      );
      if (batch.length === 0) break;
      for (const message of batch) {
        seen.add(message.MessageId ?? '');
        await moveOne(message, destination, redriveId);
        await sqs.call('DeleteMessage', { QueueUrl: entry.queue.url, ReceiptHandle: message.ReceiptHandle });
        moved += 1;
      }
    }
    return {
      queue: entry.queue.name,
      destination: destination.kind === 'queue' ? destination.queue.name : nameOfArn(destination.arn),
      moved,
    };
  }

  return {
    list: async () => Promise.all([...deadLetterQueues().values()].map(describe)),
    show,
    redrive,
  };
}
