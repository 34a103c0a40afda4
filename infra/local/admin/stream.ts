// A Server-Sent Events stream of what flows through the local cloud (`GET /_local/stream`): each event
// a bus routed (with the rules it matched), each rule target's progress, and each queue record a
// consumer processed. Pages watch the system live from it instead of polling. A bounded backlog is
// kept so that a page opened (or reconnected, with `Last-Event-ID`) later still sees what came before.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeliveryReport } from '../eventbridge/index.ts';
import type { BatchObservation } from '../lambda/event-source-mappings.ts';
import { envelopeKeyOf } from './observer.ts';
import { nameOfArn } from './topology.ts';

/** The kinds of stream message: a routed bus event, a rule target's outcome, a consumed queue record. */
export type StreamMessageType = 'event' | 'target' | 'consumer';

/** One message of the stream; `id` grows by one per message. */
export interface StreamMessage {
  id: number;
  type: StreamMessageType;
  data: Record<string, unknown>;
}

export interface ActivityStreamOptions {
  events: { subscribe(listener: (report: DeliveryReport) => void): () => void };
  batches: { subscribe(listener: (observation: BatchObservation) => void): () => void };
  /** Messages kept for late and reconnecting readers (default 5 000). */
  backlog?: number;
  /** Comment lines sent this often keep idle connections open (default 15 s). */
  heartbeatMs?: number;
  /** A reader this many bytes behind is disconnected rather than buffered without end (default 8 MiB). */
  maxBufferedBytes?: number;
  now?: () => Date;
}

/** The stream: serves readers over HTTP and keeps the backlog. */
export interface ActivityStream {
  /** Answers `GET /_local/stream[?since=<id>&types=event,target]` with `text/event-stream`. */
  handle(incoming: IncomingMessage, outgoing: ServerResponse): void;
  /** The kept messages after `since`, optionally of some types only. */
  messages(since?: number, types?: ReadonlySet<StreamMessageType>): StreamMessage[];
  /** How many readers are connected. */
  readers(): number;
  /** Stops listening and ends every reader's response. */
  close(): void;
}

const TYPES: readonly StreamMessageType[] = ['event', 'target', 'consumer'];

/** Formats one message in the event-stream format (`id`, `event`, `data` lines and a blank line). */
export function formatStreamMessage(message: StreamMessage): string {
  return `id: ${message.id}\nevent: ${message.type}\ndata: ${JSON.stringify(message.data)}\n\n`;
}

/** Reads `types=` (a comma-separated list); undefined means every type; throws on an unknown type. */
export function parseTypes(text: string | null): Set<StreamMessageType> | undefined {
  if (text === null || text.trim() === '') return undefined;
  const types = new Set<StreamMessageType>();
  for (const part of text.split(',')) {
    const type = part.trim() as StreamMessageType;
    if (!TYPES.includes(type)) throw new Error(`unknown type "${part.trim()}" (${TYPES.join(', ')})`);
    types.add(type);
  }
  return types;
}

function sinceOf(incoming: IncomingMessage, query: URLSearchParams): number | undefined {
  const header = incoming.headers['last-event-id'];
  const text = (typeof header === 'string' && header !== '' ? header : undefined) ?? query.get('since');
  if (text === null || text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`since must be a message id, got "${text}"`);
  return value;
}

function reportData(report: DeliveryReport): { type: StreamMessageType; data: Record<string, unknown> } {
  if (report.kind === 'matched') {
    const { event } = report;
    return {
      type: 'event',
      data: {
        eventId: report.eventId,
        bus: report.eventBusName,
        source: event.source,
        detailType: event['detail-type'],
        time: event.time,
        resources: event.resources,
        detail: event.detail,
        matchedRules: report.matchedRules.map((rule) => rule.name),
        ...(report.replayName !== undefined ? { replayName: report.replayName } : {}),
      },
    };
  }
  return {
    type: 'target',
    data: {
      eventId: report.eventId,
      rule: report.ruleName,
      targetId: report.targetId,
      target: nameOfArn(report.targetArn),
      outcome: report.outcome,
      retries: report.retries,
      ...(report.deadLetterArn ? { deadLetterQueue: nameOfArn(report.deadLetterArn) } : {}),
      ...(report.errorCode ? { error: `${report.errorCode}: ${report.errorMessage ?? ''}` } : {}),
    },
  };
}

function batchData(observation: BatchObservation): Record<string, unknown>[] {
  const failed = new Set(observation.failedMessageIds);
  const error = observation.result.ok
    ? undefined
    : `${observation.result.errorType}: ${observation.result.errorMessage}`;
  return observation.records.map((record) => {
    const ok = !failed.has(record.messageId);
    const envelope = envelopeKeyOf(record.body);
    return {
      at: observation.finishedAt.toISOString(),
      function: observation.functionName,
      queue: nameOfArn(observation.eventSourceArn),
      messageId: record.messageId,
      receiveCount: record.receiveCount,
      ok,
      duplicate: observation.duplicate,
      ...(envelope ? { eventId: envelope.eventId } : {}),
      ...(ok ? {} : { error: error ?? 'reported as failed in the partial batch response' }),
    };
  });
}

/** Starts listening to the bus and the consumers; serve readers with `handle`. */
export function createActivityStream(options: ActivityStreamOptions): ActivityStream {
  const limit = options.backlog ?? 5_000;
  const maxBuffered = options.maxBufferedBytes ?? 8 * 1024 * 1024;
  const now = options.now ?? (() => new Date());
  const kept: StreamMessage[] = [];
  const readers = new Set<{ outgoing: ServerResponse; types: Set<StreamMessageType> | undefined }>();
  let nextId = 1;

  const send = (type: StreamMessageType, data: Record<string, unknown>) => {
    const message: StreamMessage = { id: nextId, type, data: { ...data, seenAt: now().toISOString() } };
    nextId += 1;
    kept.push(message);
    if (kept.length > limit) kept.splice(0, kept.length - limit);
    const text = formatStreamMessage(message);
    for (const reader of readers) {
      if (reader.types && !reader.types.has(type)) continue;
      // A reader that stopped reading is let go: its messages would pile up in this process.
      if (reader.outgoing.writableLength > maxBuffered) reader.outgoing.destroy();
      else reader.outgoing.write(text);
    }
  };

  const stopEvents = options.events.subscribe((report) => {
    const { type, data } = reportData(report);
    send(type, data);
  });
  const stopBatches = options.batches.subscribe((observation) => {
    for (const data of batchData(observation)) send('consumer', data);
  });
  const heartbeat = setInterval(() => {
    for (const reader of readers) reader.outgoing.write(': keep-alive\n\n');
  }, options.heartbeatMs ?? 15_000);
  heartbeat.unref();

  function messages(since = 0, types?: ReadonlySet<StreamMessageType>): StreamMessage[] {
    return kept.filter((message) => message.id > since && (!types || types.has(message.type)));
  }

  function handle(incoming: IncomingMessage, outgoing: ServerResponse): void {
    const query = new URL(incoming.url ?? '/', 'http://local').searchParams;
    let types: Set<StreamMessageType> | undefined;
    let since: number | undefined;
    try {
      types = parseTypes(query.get('types'));
      since = sinceOf(incoming, query);
    } catch (error) {
      const text = JSON.stringify({ error: (error as Error).message });
      outgoing.writeHead(400, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      });
      outgoing.end(text);
      return;
    }
    outgoing.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    // A reader that loses the connection comes back after 1 s and asks for what it missed.
    outgoing.write('retry: 1000\n\n');
    for (const message of messages(since, types)) outgoing.write(formatStreamMessage(message));
    const reader = { outgoing, types };
    readers.add(reader);
    // The response closes when the reader goes away (the request's own `close` comes once it is read).
    outgoing.on('close', () => readers.delete(reader));
  }

  return {
    handle,
    messages,
    readers: () => readers.size,
    close() {
      stopEvents();
      stopBatches();
      clearInterval(heartbeat);
      for (const reader of readers) reader.outgoing.end();
      readers.clear();
    },
  };
}
