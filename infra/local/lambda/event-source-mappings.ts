// Lambda's SQS event source mappings: poll each mapped queue, invoke the function with batches
// shaped as AWS builds them, and delete what the function processed (partial batch responses too).

import { setTimeout as sleep } from 'node:timers/promises';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';
import type { InvokeResult, LambdaInvoker, LocalLogger, ResolvedResource, ResolvedStack } from '../model.ts';

export interface EventSourceMappingsOptions {
  stack: ResolvedStack;
  /** Invokes the mapped functions (the local Lambda service). */
  invoker: LambdaInvoker;
  /** The SQS endpoint to poll. */
  sqsEndpoint: string;
  /** The queue URL of a queue ARN. */
  queueUrlForArn(arn: string): string;
  log: LocalLogger;
  /**
   * The mapped function's credentials: on AWS the poller acts with the function's execution role, so
   * a missing `sqs:ReceiveMessage` grant shows up locally too. Without it the poller signs as an admin.
   */
  credentialsFor?(functionName: string): { accessKeyId: string; secretAccessKey: string };
  /** Share of records (0..1) delivered twice, as at-least-once delivery may (chaos testing). */
  duplicateRate?: number;
  /** Long-poll wait of each receive, in seconds (default 1, so that stop is fast). */
  pollWaitSeconds?: number;
  /** Concurrent batches per mapping without `ScalingConfig.MaximumConcurrency` (default 5). */
  defaultMaximumConcurrency?: number;
}

/** One mapping as the template declares it. */
export interface EventSourceMappingInfo {
  logicalId: string;
  functionName: string;
  eventSourceArn: string;
  enabled: boolean;
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  maximumConcurrency: number;
  reportBatchItemFailures: boolean;
}

/** What one invocation of a mapped function did with its batch, for tools that watch deliveries. */
export interface BatchObservation {
  /** The mapping's logical id. */
  mapping: string;
  functionName: string;
  eventSourceArn: string;
  records: {
    messageId: string;
    body: string;
    receiveCount: number;
    messageAttributes: SQSMessageAttributes;
  }[];
  result: InvokeResult;
  /** The records left on the queue for a later receive (all of them when the invocation failed). */
  failedMessageIds: string[];
  /** A second delivery injected by the duplicate-delivery fault (its outcome changes nothing on the queue). */
  duplicate: boolean;
  startedAt: Date;
  finishedAt: Date;
}

export type BatchListener = (observation: BatchObservation) => void;

/** The running SQS event source mappings of a stack. */
export interface EventSourceMappings {
  /** Starts polling every enabled mapping. */
  start(): void;
  /** Stops polling and waits for the batches in flight. */
  stop(): Promise<void>;
  mappings(): EventSourceMappingInfo[];
  /** Changes the duplicate-delivery fault rate (0 turns it off). */
  setDuplicateRate(rate: number): void;
  /** The duplicate-delivery fault rate in force. */
  duplicateRate(): number;
  /** Listens to every batch's outcome; returns the function that stops listening. */
  subscribe(listener: BatchListener): () => void;
}

const ADMIN_CREDENTIALS = { accessKeyId: 'local-event-source-mapping', secretAccessKey: 'local' };
const SQS_RECEIVE_LIMIT = 10;
const KNOWN_ATTRIBUTES = [
  'ApproximateReceiveCount',
  'SentTimestamp',
  'SenderId',
  'ApproximateFirstReceiveTimestamp',
] as const;

/** Creates the pollers of a stack's SQS event source mappings (call `start()` to run them). */
export function createEventSourceMappings(options: EventSourceMappingsOptions): EventSourceMappings {
  const { stack, log } = options;
  let duplicateRate = options.duplicateRate ?? 0;
  const infos: EventSourceMappingInfo[] = [];
  for (const resource of stack.resources.values()) {
    if (resource.type !== 'AWS::Lambda::EventSourceMapping') continue;
    const info = describeMapping(resource, options.defaultMaximumConcurrency ?? 5);
    if (info) infos.push(info);
  }

  function describeMapping(resource: ResolvedResource, defaultConcurrency: number) {
    const p = resource.properties;
    const eventSourceArn = String(p.EventSourceArn ?? '');
    if (!eventSourceArn.startsWith('arn:aws:sqs:')) {
      log.warn('event source mapping skipped: only SQS sources are supported locally', {
        logicalId: resource.logicalId,
        eventSourceArn,
      });
      return undefined;
    }
    if (p.FilterCriteria !== undefined) {
      throw new Error(
        `Event source mapping ${resource.logicalId} has FilterCriteria, which the local cloud does not support`,
      );
    }
    const types = Array.isArray(p.FunctionResponseTypes) ? p.FunctionResponseTypes : [];
    const scaling = p.ScalingConfig as { MaximumConcurrency?: unknown } | undefined;
    return {
      logicalId: resource.logicalId,
      functionName: String(p.FunctionName ?? ''),
      eventSourceArn,
      enabled: p.Enabled !== false && p.Enabled !== 'false',
      batchSize: positiveInteger(p.BatchSize) ?? 10,
      maximumBatchingWindowInSeconds: Number(p.MaximumBatchingWindowInSeconds ?? 0),
      maximumConcurrency: positiveInteger(scaling?.MaximumConcurrency) ?? Math.max(1, defaultConcurrency),
      reportBatchItemFailures: types.includes('ReportBatchItemFailures'),
    } satisfies EventSourceMappingInfo;
  }

  const listeners = new Set<BatchListener>();
  const notify = (observation: BatchObservation) => {
    for (const listener of listeners) {
      try {
        listener(observation);
      } catch (error) {
        log.warn('a batch listener failed', { error: String(error) });
      }
    }
  };

  let pollers: Poller[] = [];
  return {
    start() {
      if (pollers.length > 0) return;
      pollers = infos
        .filter((info) => info.enabled)
        .map((info) => new Poller(info, options, () => duplicateRate, notify));
      for (const poller of pollers) poller.start();
      log.info('event source mappings started', { count: pollers.length });
    },
    async stop() {
      await Promise.all(pollers.map((poller) => poller.stop()));
      pollers = [];
    },
    mappings: () => infos.map((info) => ({ ...info })),
    setDuplicateRate(rate) {
      duplicateRate = rate;
    },
    duplicateRate: () => duplicateRate,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

class Poller {
  private readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly region: string;
  private readonly abort = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private loop: Promise<void> | undefined;
  private receiveFailing = false;

  constructor(
    private readonly info: EventSourceMappingInfo,
    private readonly options: EventSourceMappingsOptions,
    private readonly duplicateRate: () => number,
    private readonly notify: BatchListener,
  ) {
    const functionName = info.functionName.split(':function:')[1]?.split(':')[0] ?? info.functionName;
    this.client = new SQSClient({
      endpoint: options.sqsEndpoint,
      region: options.stack.region,
      credentials: options.credentialsFor?.(functionName) ?? ADMIN_CREDENTIALS,
    });
    this.queueUrl = options.queueUrlForArn(info.eventSourceArn);
    this.region = info.eventSourceArn.split(':')[3] || options.stack.region;
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
    this.client.destroy();
  }

  private get running(): boolean {
    return !this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    while (this.running) {
      while (this.inFlight.size >= this.info.maximumConcurrency) await Promise.race(this.inFlight);
      const messages = await this.gather();
      if (!this.running) {
        await this.makeVisible(messages);
        return;
      }
      if (messages.length === 0) continue;
      const job = this.process(messages).catch((error: unknown) =>
        this.options.log.error('event source mapping batch crashed', {
          mapping: this.info.logicalId,
          error: String(error),
        }),
      );
      this.inFlight.add(job);
      void job.finally(() => this.inFlight.delete(job));
    }
  }

  // Gathers up to BatchSize messages, several receives if needed, within the batching window.
  private async gather(): Promise<Message[]> {
    const batch: Message[] = [];
    const windowMs = this.info.maximumBatchingWindowInSeconds * 1000;
    const pollWait = this.options.pollWaitSeconds ?? 1;
    let windowEnd: number | undefined;
    while (this.running && batch.length < this.info.batchSize) {
      const remainingMs = windowEnd === undefined ? undefined : windowEnd - Date.now();
      if (remainingMs !== undefined && remainingMs <= 0) break;
      const waitSeconds =
        remainingMs === undefined ? pollWait : Math.min(pollWait, Math.floor(remainingMs / 1000));
      const received = await this.receive(
        Math.min(SQS_RECEIVE_LIMIT, this.info.batchSize - batch.length),
        waitSeconds,
      );
      if (received.length > 0) {
        windowEnd ??= Date.now() + windowMs;
        batch.push(...received);
      } else if (remainingMs !== undefined && waitSeconds === 0) {
        await this.pause(Math.min(remainingMs, 100));
      }
    }
    return batch;
  }

  private async receive(maxMessages: number, waitSeconds: number): Promise<Message[]> {
    try {
      const response = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: maxMessages,
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: this.abort.signal },
      );
      if (this.receiveFailing) {
        this.receiveFailing = false;
        this.options.log.info('event source mapping receives again', { mapping: this.info.logicalId });
      }
      return response.Messages ?? [];
    } catch (error) {
      if (!this.running) return [];
      if (!this.receiveFailing) {
        this.receiveFailing = true;
        this.options.log.warn('event source mapping cannot receive', {
          mapping: this.info.logicalId,
          queueUrl: this.queueUrl,
          error: String(error),
        });
      }
      await this.pause(1000);
      return [];
    }
  }

  private async pause(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: this.abort.signal });
    } catch {
      // Stopping: the caller checks `running`.
    }
  }

  private async process(messages: Message[]): Promise<void> {
    const { invoker, log } = this.options;
    const records = messages.map((message) => this.toRecord(message));
    const event: SQSEvent = { Records: records };
    const startedAt = new Date();
    const result = await invoker.invoke(this.info.functionName, event);
    let processed: SQSRecord[];
    if (!result.ok) {
      log.warn('event source mapping batch failed', {
        mapping: this.info.logicalId,
        records: records.length,
        errorType: result.errorType,
        errorMessage: result.errorMessage,
      });
      processed = [];
    } else if (!this.info.reportBatchItemFailures) {
      processed = records;
    } else {
      const failed = failedItems(result.payload, new Set(records.map((record) => record.messageId)));
      if (failed === 'invalid') {
        log.warn('invalid partial batch response: the whole batch failed', {
          mapping: this.info.logicalId,
          response: result.payload,
        });
        processed = [];
      } else {
        processed = records.filter((record) => !failed.has(record.messageId));
      }
    }
    const processedIds = new Set(processed.map((record) => record.messageId));
    this.observe(
      records,
      result,
      records.filter((record) => !processedIds.has(record.messageId)),
      false,
      startedAt,
    );
    await this.delete(processed);
    await this.deliverDuplicates(records);
  }

  private observe(
    records: SQSRecord[],
    result: InvokeResult,
    failed: SQSRecord[],
    duplicate: boolean,
    startedAt: Date,
  ): void {
    this.notify({
      mapping: this.info.logicalId,
      functionName: this.info.functionName,
      eventSourceArn: this.info.eventSourceArn,
      records: records.map((record) => ({
        messageId: record.messageId,
        body: record.body,
        receiveCount: Number(record.attributes.ApproximateReceiveCount) || 0,
        messageAttributes: record.messageAttributes,
      })),
      result,
      failedMessageIds: failed.map((record) => record.messageId),
      duplicate,
      startedAt,
      finishedAt: new Date(),
    });
  }

  private async deliverDuplicates(records: SQSRecord[]): Promise<void> {
    const rate = this.duplicateRate();
    if (rate <= 0) return;
    const duplicates = records.filter(() => Math.random() < rate);
    if (duplicates.length === 0) return;
    this.options.log.warn('fault injected: duplicate delivery', {
      mapping: this.info.logicalId,
      function: this.info.functionName,
      messageIds: duplicates.map((record) => record.messageId),
    });
    const startedAt = new Date();
    const result = await this.options.invoker.invoke(this.info.functionName, {
      Records: duplicates,
    } satisfies SQSEvent);
    const failed = result.ok ? [] : duplicates;
    this.observe(duplicates, result, failed, true, startedAt);
  }

  private async delete(records: SQSRecord[]): Promise<void> {
    for (let start = 0; start < records.length; start += SQS_RECEIVE_LIMIT) {
      const chunk = records.slice(start, start + SQS_RECEIVE_LIMIT);
      try {
        const response = await this.client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: chunk.map((record, index) => ({
              Id: String(index),
              ReceiptHandle: record.receiptHandle,
            })),
          }),
        );
        if (response.Failed && response.Failed.length > 0) {
          this.options.log.warn('could not delete processed messages', {
            mapping: this.info.logicalId,
            failed: response.Failed,
          });
        }
      } catch (error) {
        this.options.log.warn('could not delete processed messages', {
          mapping: this.info.logicalId,
          error: String(error),
        });
      }
    }
  }

  // Messages received while stopping go back to the queue at once rather than after their timeout.
  private async makeVisible(messages: Message[]): Promise<void> {
    for (let start = 0; start < messages.length; start += SQS_RECEIVE_LIMIT) {
      const chunk = messages.slice(start, start + SQS_RECEIVE_LIMIT);
      await this.client
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: chunk.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle,
              VisibilityTimeout: 0,
            })),
          }),
        )
        .catch(() => undefined);
    }
  }

  private toRecord(message: Message): SQSRecord {
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
      eventSourceARN: this.info.eventSourceArn,
      awsRegion: this.region,
    };
  }
}

function positiveInteger(value: unknown): number | undefined {
  const number = Number(value);
  return value !== undefined && value !== null && Number.isInteger(number) && number > 0 ? number : undefined;
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

/**
 * The records a partial batch response reports as failed, following AWS's rules: a null or empty
 * response or list means complete success; a malformed response, or an identifier that is empty,
 * missing or not in the batch, means complete failure (`invalid`).
 */
export function failedItems(payload: unknown, messageIds: Set<string>): Set<string> | 'invalid' {
  const failed = new Set<string>();
  if (payload === null || payload === undefined) return failed;
  if (typeof payload !== 'object' || Array.isArray(payload)) return 'invalid';
  const list = (payload as { batchItemFailures?: unknown }).batchItemFailures;
  if (list === null || list === undefined) return failed;
  if (!Array.isArray(list)) return 'invalid';
  for (const item of list) {
    const id =
      item && typeof item === 'object' ? (item as { itemIdentifier?: unknown }).itemIdentifier : undefined;
    if (typeof id !== 'string' || id === '' || !messageIds.has(id)) return 'invalid';
    failed.add(id);
  }
  return failed;
}
