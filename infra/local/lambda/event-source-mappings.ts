// Lambda's SQS event source mappings: read from the template, one poller each (sqs-poller.ts) that
// invokes the function with batches shaped as AWS builds them (sqs-event.ts) and deletes what the
// function processed, partial batch responses included (sqs-batch.ts).
import type { SQSMessageAttributes } from 'aws-lambda';
import type { InvokeResult, LambdaInvoker, LocalLogger, ResolvedResource, ResolvedStack } from '../model.ts';
import { Poller } from './sqs-poller.ts';

export { failedItems } from './sqs-batch.ts';

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

function positiveInteger(value: unknown): number | undefined {
  const number = Number(value);
  return value !== undefined && value !== null && Number.isInteger(number) && number > 0 ? number : undefined;
}
