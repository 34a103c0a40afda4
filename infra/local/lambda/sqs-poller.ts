// The poller of one SQS event source mapping: long-polls the queue with the function's credentials,
// gathers batches within the batching window, runs up to the mapping's concurrency of them at once
// (sqs-batch.ts), deletes what was processed, and on stop makes unprocessed receives visible again.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type {
  BatchListener,
  EventSourceMappingInfo,
  EventSourceMappingsOptions,
} from './event-source-mappings.ts';
import { type BatchHandler, createBatchHandler } from './sqs-batch.ts';
import { toRecord } from './sqs-event.ts';

const ADMIN_CREDENTIALS = { accessKeyId: 'local-event-source-mapping', secretAccessKey: 'local' };
const SQS_RECEIVE_LIMIT = 10;

export class Poller {
  private readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly region: string;
  private readonly batches: BatchHandler;
  private readonly abort = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private loop: Promise<void> | undefined;
  private receiveFailing = false;

  constructor(
    private readonly info: EventSourceMappingInfo,
    private readonly options: EventSourceMappingsOptions,
    duplicateRate: () => number,
    notify: BatchListener,
  ) {
    const functionName = info.functionName.split(':function:')[1]?.split(':')[0] ?? info.functionName;
    this.client = new SQSClient({
      endpoint: options.sqsEndpoint,
      region: options.stack.region,
      credentials: options.credentialsFor?.(functionName) ?? ADMIN_CREDENTIALS,
    });
    this.queueUrl = options.queueUrlForArn(info.eventSourceArn);
    this.region = info.eventSourceArn.split(':')[3] || options.stack.region;
    this.batches = createBatchHandler({
      info,
      invoker: options.invoker,
      log: options.log,
      duplicateRate,
      notify,
    });
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
    const records = messages.map((message) => toRecord(message, this.info.eventSourceArn, this.region));
    const processed = await this.batches.invoke(records);
    await this.delete(processed);
    await this.batches.deliverDuplicates(records);
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
}
