// Queue contents that outlive the process (docs/architecture.md, "the local cloud"): the embedded
// fauxqs keeps its queues in memory, so the local cloud gives it a store of its own (buildApp's
// `stores` option) whose queues record every change of a message in a journal under the state
// folder, and puts the journal's messages back into the template's queues on start.
//
// A send is answered only once its message is on disk (the sender's 200 is a promise); the sends of
// one tick share the write. Receives, deletes and visibility changes are written lazily: losing one
// makes a message visible again, a redelivery that SQS's at-least-once contract allows and every
// consumer already handles.
//
// fauxqs's store and queue classes are not among its package exports; they are the classes its
// `buildApp` takes through `stores`, so they are imported from its files.
import { S3Store } from '../../../node_modules/fauxqs/dist/s3/s3Store.js';
import { SnsStore } from '../../../node_modules/fauxqs/dist/sns/snsStore.js';
import { type SqsQueue, SqsStore } from '../../../node_modules/fauxqs/dist/sqs/sqsStore.js';
import type { SqsMessage } from '../../../node_modules/fauxqs/dist/sqs/sqsTypes.js';
import { type Journal, JournalFileError, openJournal } from '../durability/journal.ts';
import type { LocalLogger } from '../model.ts';

// fauxqs's group for a FIFO message without one.
const DEFAULT_GROUP = '__default';

type MessageState = 'ready' | 'delayed' | 'inflight';

/** Where a message is, keyed `m/<messageId>`: a message moved to a dead-letter queue keeps its id. */
interface MessageRecord {
  q: string;
  s: MessageState;
  m: SqsMessage;
  /** Receipt handle and visibility deadline (epoch ms) of a message in flight. */
  rh?: string;
  dl?: number;
}

/** A FIFO deduplication id within its window, keyed `d/<queue>/<id>` and expiring with the window. */
interface DeduplicationRecord {
  q: string;
  id: string;
  messageId: string;
  sequenceNumber?: string;
  /** When the window ends (epoch ms): a restart keeps the window the first send opened. */
  expiresAt: number;
}

/** One queue's saved messages in every state, with what FIFO delivery and deduplication need. */
export interface QueueSnapshot {
  /** Visible messages in delivery order (for FIFO, each group's order). */
  ready: SqsMessage[];
  /** Messages whose delay has not passed (`delayUntil`). */
  delayed: SqsMessage[];
  /** Received messages, invisible until their deadline; their receipt handles stay valid. */
  inflight: { receiptHandle: string; visibilityDeadline: number; message: SqsMessage }[];
  /** Deduplication ids with the time their 5-minute window ends. */
  deduplication: { id: string; messageId: string; sequenceNumber?: string; expiresAt: number }[];
  sequenceCounter: number;
}

function addToGroup(groups: Map<string, SqsMessage[]>, message: SqsMessage): void {
  const group = message.messageGroupId ?? DEFAULT_GROUP;
  const list = groups.get(group);
  if (list) list.push(message);
  else groups.set(group, [message]);
}

/**
 * Puts saved messages into a queue just created from the template. In-flight messages stay
 * invisible until their deadline, as on AWS, where the consumers that held them are what died.
 */
export function restoreQueue(queue: SqsQueue, saved: QueueSnapshot, now = Date.now()): void {
  if (queue.isFifo()) {
    const bySequence = (a: SqsMessage, b: SqsMessage) =>
      (a.sequenceNumber ?? '').localeCompare(b.sequenceNumber ?? '');
    for (const message of [...saved.ready].sort(bySequence)) addToGroup(queue.fifoMessages, message);
    for (const message of [...saved.delayed].sort(bySequence)) addToGroup(queue.fifoDelayed, message);
    // A FIFO group with a message in flight delivers nothing else until it is deleted or visible again.
    for (const { message } of saved.inflight) {
      const group = message.messageGroupId ?? DEFAULT_GROUP;
      queue.fifoLockedGroups.set(group, (queue.fifoLockedGroups.get(group) ?? 0) + 1);
    }
  } else {
    queue.messages.push(...saved.ready);
    queue.delayedMessages.push(...saved.delayed);
  }
  for (const entry of saved.inflight) queue.inflightMessages.set(entry.receiptHandle, { ...entry });
  // Oldest first, so the cache evicts in the order it would have.
  for (const entry of [...saved.deduplication].sort((a, b) => a.expiresAt - b.expiresAt)) {
    if (entry.expiresAt <= now) continue;
    queue.deduplicationCache.set(entry.id, {
      messageId: entry.messageId,
      ...(entry.sequenceNumber !== undefined ? { sequenceNumber: entry.sequenceNumber } : {}),
    });
    const cached = queue.deduplicationCache.items.get(entry.id);
    if (cached) cached.expiry = entry.expiresAt;
  }
  queue.sequenceCounter = Math.max(queue.sequenceCounter, saved.sequenceCounter);
}

const messageKey = (messageId: string) => `m/${messageId}`;

function allMessageIds(queue: SqsQueue): string[] {
  const { ready, delayed, inflight } = queue.inspectMessages();
  return [...ready, ...delayed, ...inflight.map((entry) => entry.message)].map(
    (message) => message.messageId,
  );
}

/** Wraps a queue so that it records each change of its messages, and starts a dead letter afresh. */
function observe(queue: SqsQueue, journal: Journal): void {
  const { enqueue, dequeue, deleteMessage, changeVisibility, purge } = queue;
  const save = (message: SqsMessage, state: MessageState, inflight?: { rh: string; dl: number }) =>
    journal.set(messageKey(message.messageId), {
      q: queue.name,
      s: state,
      m: message,
      ...inflight,
    } satisfies MessageRecord);

  queue.enqueue = (message) => {
    // On AWS a message moved to a dead-letter queue starts there with a fresh receive count; fauxqs
    // moves it with the count it had, so a dead-letter queue with a redrive policy of its own passed
    // every dead letter straight on at its first receive, before any consumer saw it (found by the
    // chaos suite: no request ever reached the scheduler's supervisor). A sent message always has a
    // count of 0, so a count above 0 on the way in means a move.
    const moved = message.approximateReceiveCount > 0;
    if (moved) {
      message.approximateReceiveCount = 0;
      message.approximateFirstReceiveTimestamp = undefined;
    }
    enqueue.call(queue, message);
    save(message, message.delayUntil !== undefined && message.delayUntil > Date.now() ? 'delayed' : 'ready');
    const dedupId = message.messageDeduplicationId;
    const expiresAt =
      dedupId === undefined ? undefined : (queue.deduplicationCache.expiresAt(dedupId) as number | undefined);
    if (!moved && queue.isFifo() && dedupId !== undefined && expiresAt !== undefined) {
      journal.set(
        `d/${queue.name}/${dedupId}`,
        {
          q: queue.name,
          id: dedupId,
          messageId: message.messageId,
          ...(message.sequenceNumber !== undefined ? { sequenceNumber: message.sequenceNumber } : {}),
          expiresAt,
        } satisfies DeduplicationRecord,
        expiresAt,
      );
      journal.set(`c/${queue.name}`, queue.sequenceCounter);
    }
  };
  // A message fauxqs moves to the dead-letter queue while receiving is recorded by that queue's enqueue.
  queue.dequeue = (maxCount, visibilityTimeoutOverride, dlqResolver) => {
    const received = dequeue.call(queue, maxCount, visibilityTimeoutOverride, dlqResolver);
    for (const { ReceiptHandle } of received) {
      const entry = queue.inflightMessages.get(ReceiptHandle);
      if (entry) save(entry.message, 'inflight', { rh: ReceiptHandle, dl: entry.visibilityDeadline });
    }
    return received;
  };
  queue.deleteMessage = (receiptHandle) => {
    const entry = queue.inflightMessages.get(receiptHandle);
    const deleted = deleteMessage.call(queue, receiptHandle);
    if (deleted && entry) journal.delete(messageKey(entry.message.messageId));
    return deleted;
  };
  queue.changeVisibility = (receiptHandle, timeoutSeconds) => {
    const entry = queue.inflightMessages.get(receiptHandle);
    changeVisibility.call(queue, receiptHandle, timeoutSeconds);
    if (!entry) return;
    if (timeoutSeconds === 0) save(entry.message, 'ready');
    else save(entry.message, 'inflight', { rh: receiptHandle, dl: entry.visibilityDeadline });
  };
  queue.purge = () => {
    const ids = allMessageIds(queue);
    purge.call(queue);
    for (const id of ids) journal.delete(messageKey(id));
  };
}

/** A fauxqs store whose queues record every change of their messages in `journal`. */
export class JournaledSqsStore extends SqsStore {
  constructor(private readonly journal: Journal) {
    super();
  }

  override createQueue(
    name: string,
    url: string,
    arn: string,
    attributes?: Record<string, string>,
    tags?: Record<string, string>,
  ): SqsQueue {
    const queue = super.createQueue(name, url, arn, attributes, tags);
    observe(queue, this.journal);
    return queue;
  }

  override deleteQueue(url: string): boolean {
    const queue = this.getQueue(url);
    const ids = queue ? allMessageIds(queue) : [];
    const deleted = super.deleteQueue(url);
    if (deleted) for (const id of ids) this.journal.delete(messageKey(id));
    return deleted;
  }
}

export interface DurableQueuesOptions {
  /** Base path of the journal, e.g. `.local/sqs/queues`; without it, messages live in memory only. */
  path?: string;
  log: LocalLogger;
  /** The longest a receive, delete or visibility change waits to be written (default 100 ms). */
  lazyDelayMs?: number;
}

export interface DurableQueues {
  /** The stores to build the fauxqs app with. */
  stores: { sqsStore: JournaledSqsStore; snsStore: SnsStore; s3Store: S3Store };
  /** Whether a journal on disk backs the queues. */
  durable: boolean;
  /**
   * Puts the saved messages back into the queues of the same name now in the store (create the
   * template's queues first); the messages of a queue the template no longer has are dropped, with
   * a log line. Returns the number of messages restored per queue.
   */
  restore(): Record<string, number>;
  /** Resolves once every change made so far is on disk. */
  commit(): Promise<void>;
  /** Writes what is still owed. */
  close(): Promise<void>;
}

/** The fauxqs stores of the local SQS, with their queues' messages kept in a journal at `path`. */
export function createDurableQueues(options: DurableQueuesOptions): DurableQueues {
  const { log } = options;
  const journal = openJournal({
    describes: "the local SQS queues' messages",
    log,
    ...(options.path ? { path: options.path } : {}),
    ...(options.lazyDelayMs !== undefined ? { lazyDelayMs: options.lazyDelayMs } : {}),
  });
  const sqsStore = new JournaledSqsStore(journal);
  return {
    stores: { sqsStore, snsStore: new SnsStore(), s3Store: new S3Store() },
    durable: journal.durable,
    restore() {
      const saved = new Map<string, QueueSnapshot>();
      const snapshotOf = (name: string): QueueSnapshot => {
        let snapshot = saved.get(name);
        if (!snapshot) {
          snapshot = { ready: [], delayed: [], inflight: [], deduplication: [], sequenceCounter: 0 };
          saved.set(name, snapshot);
        }
        return snapshot;
      };
      const keysOf = new Map<string, string[]>();
      for (const [key, value] of journal.restored) {
        const queueName = readRecord(key, value, snapshotOf, options.path ?? '');
        keysOf.set(queueName, [...(keysOf.get(queueName) ?? []), key]);
      }
      const restored: Record<string, number> = {};
      for (const [name, snapshot] of saved) {
        const messages = snapshot.ready.length + snapshot.delayed.length + snapshot.inflight.length;
        const queue = sqsStore.getQueueByName(name);
        if (!queue) {
          if (messages > 0) {
            log.warn('sqs: messages of a queue the template no longer has are dropped', {
              queue: name,
              messages,
            });
          }
          for (const key of keysOf.get(name) ?? []) journal.delete(key);
          continue;
        }
        restoreQueue(queue, snapshot);
        if (messages > 0) restored[name] = messages;
      }
      if (Object.keys(restored).length > 0) log.info('sqs: saved messages restored', { queues: restored });
      return restored;
    },
    commit: () => journal.commit(),
    close: () => journal.close(),
  };
}

// Adds one journal entry to its queue's snapshot; returns the queue's name.
function readRecord(
  key: string,
  value: unknown,
  snapshotOf: (name: string) => QueueSnapshot,
  path: string,
): string {
  const malformed = () =>
    new JournalFileError(
      `${path}: the saved entry ${key} is malformed; delete the journal (or the whole state folder) to start without it`,
    );
  const kind = key.slice(0, 2);
  if (kind === 'm/') {
    const record = value as Partial<MessageRecord>;
    if (typeof record?.q !== 'string' || !isMessage(record.m)) throw malformed();
    const snapshot = snapshotOf(record.q);
    if (record.s === 'ready') snapshot.ready.push(record.m);
    else if (record.s === 'delayed') snapshot.delayed.push(record.m);
    else if (record.s === 'inflight' && typeof record.rh === 'string' && typeof record.dl === 'number') {
      snapshot.inflight.push({ receiptHandle: record.rh, visibilityDeadline: record.dl, message: record.m });
    } else throw malformed();
    return record.q;
  }
  if (kind === 'd/') {
    const record = value as Partial<DeduplicationRecord>;
    if (
      typeof record?.q !== 'string' ||
      typeof record.id !== 'string' ||
      typeof record.messageId !== 'string' ||
      typeof record.expiresAt !== 'number'
    )
      throw malformed();
    snapshotOf(record.q).deduplication.push({
      id: record.id,
      messageId: record.messageId,
      ...(typeof record.sequenceNumber === 'string' ? { sequenceNumber: record.sequenceNumber } : {}),
      expiresAt: record.expiresAt,
    });
    return record.q;
  }
  if (kind === 'c/' && typeof value === 'number') {
    const name = key.slice(2);
    snapshotOf(name).sequenceCounter = value;
    return name;
  }
  throw malformed();
}

function isMessage(value: unknown): value is SqsMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Partial<SqsMessage>;
  return (
    typeof message.messageId === 'string' &&
    typeof message.body === 'string' &&
    typeof message.md5OfBody === 'string' &&
    typeof message.sentTimestamp === 'number' &&
    typeof message.approximateReceiveCount === 'number' &&
    typeof message.messageAttributes === 'object' &&
    message.messageAttributes !== null
  );
}
