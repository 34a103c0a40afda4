import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../log.ts';
import type { LocalLogger, ResolvedResource } from '../model.ts';
import { type LocalSqs, startLocalSqs } from './local-sqs.ts';

// The local SQS keeps its queues' messages in a journal and restores them on start: each test
// stops (or abandons) one instance and starts another on the same state folder.

function queue(name: string, properties: Record<string, unknown> = {}): ResolvedResource {
  return {
    logicalId: name.replace(/\W/g, ''),
    type: 'AWS::SQS::Queue',
    properties: { QueueName: name, ...properties },
    physicalName: name,
    ref: '',
    attributes: { Arn: `arn:aws:sqs:us-east-1:000000000000:${name}` },
    dependsOn: [],
  };
}

const RESOURCES = [
  queue('work', {
    RedrivePolicy: { deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:work-dlq', maxReceiveCount: 1 },
  }),
  queue('work-dlq'),
  queue('plain'),
  queue('ordered.fifo', { FifoQueue: true }),
];

interface Received {
  MessageId: string;
  ReceiptHandle: string;
  Body: string;
  Attributes?: Record<string, string>;
}

const running: LocalSqs[] = [];

function stateDir(): string {
  return mkdtempSync(join(tmpdir(), 'durable-queues-test-'));
}

async function start(dir: string, resources = RESOURCES, log: LocalLogger = silentLogger): Promise<LocalSqs> {
  const sqs = await startLocalSqs({
    port: 0,
    edgeUrl: 'http://127.0.0.1:9',
    resources,
    log,
    journalPath: join(dir, 'sqs', 'queues'),
  });
  running.push(sqs);
  return sqs;
}

async function restart(
  sqs: LocalSqs,
  dir: string,
  resources = RESOURCES,
  log?: LocalLogger,
): Promise<LocalSqs> {
  running.splice(running.indexOf(sqs), 1);
  await sqs.stop();
  return start(dir, resources, log);
}

const url = (sqs: LocalSqs, name: string) => [...sqs.queues.values()].find((q) => q.name === name)?.url ?? '';

async function receive(
  sqs: LocalSqs,
  name: string,
  options: Record<string, unknown> = {},
): Promise<Received[]> {
  const answer = await sqs.call<{ Messages?: Received[] }>('ReceiveMessage', {
    QueueUrl: url(sqs, name),
    MaxNumberOfMessages: 10,
    MessageSystemAttributeNames: ['All'],
    ...options,
  });
  return answer.Messages ?? [];
}

async function counts(sqs: LocalSqs, name: string) {
  const answer = await sqs.call<{ Attributes: Record<string, string> }>('GetQueueAttributes', {
    QueueUrl: url(sqs, name),
    AttributeNames: ['All'],
  });
  return {
    visible: Number(answer.Attributes.ApproximateNumberOfMessages),
    inFlight: Number(answer.Attributes.ApproximateNumberOfMessagesNotVisible),
    delayed: Number(answer.Attributes.ApproximateNumberOfMessagesDelayed),
  };
}

function sendFifo(sqs: LocalSqs, group: string, body: string, dedupId = body) {
  return sqs.call<{ MessageId: string; SequenceNumber: string }>('SendMessage', {
    QueueUrl: url(sqs, 'ordered.fifo'),
    MessageBody: body,
    MessageGroupId: group,
    MessageDeduplicationId: dedupId,
  });
}

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(running.splice(0).map((sqs) => sqs.stop()));
});

describe('a standard queue across a restart', () => {
  it('keeps its visible, delayed and in-flight messages, each in its state', async () => {
    // Prepare
    const dir = stateDir();
    const before = await start(dir);
    await before.call('SendMessage', { QueueUrl: url(before, 'work'), MessageBody: 'in flight' });
    await receive(before, 'work', { VisibilityTimeout: 600 });
    await before.call('SendMessage', { QueueUrl: url(before, 'work'), MessageBody: 'visible' });
    await before.call('SendMessage', {
      QueueUrl: url(before, 'work'),
      MessageBody: 'delayed',
      DelaySeconds: 900,
    });
    // Act
    const after = await restart(before, dir);
    // Assess
    expect(await counts(after, 'work')).toEqual({ visible: 1, inFlight: 1, delayed: 1 });
    expect((await receive(after, 'work', { VisibilityTimeout: 600 })).map((m) => m.Body)).toEqual([
      'visible',
    ]);
  });

  it('honours the receipt handle of a message received before it, and keeps its receive history', async () => {
    // Prepare
    const dir = stateDir();
    const before = await start(dir);
    await before.call('SendMessage', { QueueUrl: url(before, 'plain'), MessageBody: 'held' });
    const [held] = await receive(before, 'plain', { VisibilityTimeout: 600 });
    const after = await restart(before, dir);
    // Act
    await after.call('ChangeMessageVisibility', {
      QueueUrl: url(after, 'plain'),
      ReceiptHandle: held?.ReceiptHandle,
      VisibilityTimeout: 0,
    });
    const [again] = await receive(after, 'plain');
    // Assess
    expect(again?.Body).toBe('held');
    expect(again?.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(again?.Attributes?.ApproximateFirstReceiveTimestamp).toBe(
      held?.Attributes?.ApproximateFirstReceiveTimestamp,
    );
  });

  it('keeps a message moved to the dead-letter queue there, with a fresh receive count', async () => {
    // Prepare
    const dir = stateDir();
    const before = await start(dir);
    await before.call('SendMessage', { QueueUrl: url(before, 'work'), MessageBody: 'poison' });
    await receive(before, 'work', { VisibilityTimeout: 0 });
    await receive(before, 'work', { VisibilityTimeout: 0 });
    // Act
    const after = await restart(before, dir);
    // Assess
    expect(await counts(after, 'work')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const [dead] = await receive(after, 'work-dlq');
    expect(dead?.Body).toBe('poison');
    expect(dead?.Attributes?.ApproximateReceiveCount).toBe('1');
  });

  it('keeps deleted and purged messages gone', async () => {
    // Prepare
    const dir = stateDir();
    const before = await start(dir);
    await before.call('SendMessage', { QueueUrl: url(before, 'work'), MessageBody: 'done' });
    await before.call('SendMessage', { QueueUrl: url(before, 'work-dlq'), MessageBody: 'purged' });
    const [done] = await receive(before, 'work', { VisibilityTimeout: 600 });
    await before.call('DeleteMessage', { QueueUrl: url(before, 'work'), ReceiptHandle: done?.ReceiptHandle });
    await before.call('PurgeQueue', { QueueUrl: url(before, 'work-dlq') });
    // Act
    const after = await restart(before, dir);
    // Assess
    expect(await counts(after, 'work')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(await counts(after, 'work-dlq')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });
});

describe('a FIFO queue across a restart', () => {
  it('keeps a group with a message in flight locked, and the group order', async () => {
    // Prepare
    const dir = stateDir();
    const before = await start(dir);
    await sendFifo(before, 'g1', 'g1-first');
    await sendFifo(before, 'g1', 'g1-second');
    await sendFifo(before, 'g2', 'g2-first');
    const [held] = await receive(before, 'ordered.fifo', { MaxNumberOfMessages: 1, VisibilityTimeout: 600 });
    const after = await restart(before, dir);
    // Act
    const whileLocked = await receive(after, 'ordered.fifo', { VisibilityTimeout: 600 });
    await after.call('DeleteMessage', {
      QueueUrl: url(after, 'ordered.fifo'),
      ReceiptHandle: held?.ReceiptHandle,
    });
    const afterDelete = await receive(after, 'ordered.fifo', { VisibilityTimeout: 600 });
    // Assess
    expect(held?.Body).toBe('g1-first');
    expect(whileLocked.map((m) => m.Body)).toEqual(['g2-first']);
    expect(afterDelete.map((m) => m.Body)).toEqual(['g1-second']);
  });

  it('goes on numbering messages after the last sequence number', async () => {
    // Prepare
    const dir = stateDir();
    const before = await start(dir);
    const first = await sendFifo(before, 'g', 'one');
    const after = await restart(before, dir);
    // Act
    const second = await sendFifo(after, 'g', 'two');
    // Assess
    expect(BigInt(second.SequenceNumber)).toBeGreaterThan(BigInt(first.SequenceNumber));
  });

  it('deduplicates a repeated send within the 5-minute window across a restart', async () => {
    // Prepare
    const dir = stateDir();
    const before = await start(dir);
    const first = await sendFifo(before, 'g', 'once', 'dedup-1');
    const after = await restart(before, dir);
    // Act
    const repeat = await sendFifo(after, 'g', 'once', 'dedup-1');
    // Assess
    expect(repeat.MessageId).toBe(first.MessageId);
    expect(await counts(after, 'ordered.fifo')).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
  });

  it('accepts the same deduplication id again once its window ended, restart or not', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-03-01T10:00:00Z') });
    const dir = stateDir();
    const before = await start(dir);
    const first = await sendFifo(before, 'g', 'once', 'dedup-2');
    vi.setSystemTime(new Date('2026-03-01T10:05:01Z'));
    const after = await restart(before, dir);
    // Act
    const repeat = await sendFifo(after, 'g', 'once', 'dedup-2');
    // Assess
    expect(repeat.MessageId).not.toBe(first.MessageId);
    expect(await counts(after, 'ordered.fifo')).toEqual({ visible: 2, inFlight: 0, delayed: 0 });
  });
});

describe('what the journal promises', () => {
  it('has an answered send on disk before any stop, as after kill -9', async () => {
    // Prepare
    const dir = stateDir();
    const crashed = await start(dir);
    // Act
    await crashed.call('SendMessage', { QueueUrl: url(crashed, 'work'), MessageBody: 'accepted' });
    const next = await start(dir);
    // Assess
    expect((await receive(next, 'work')).map((m) => m.Body)).toEqual(['accepted']);
  });

  it('drops, with a log line, the messages of a queue the template no longer has', async () => {
    // Prepare
    const dir = stateDir();
    const lines: string[] = [];
    const log: LocalLogger = {
      ...silentLogger,
      warn: (message, fields) => lines.push(`${message} ${JSON.stringify(fields)}`),
    };
    const gone = queue('gone');
    const before = await start(dir, [...RESOURCES, gone]);
    await before.call('SendMessage', { QueueUrl: url(before, 'gone'), MessageBody: 'orphan' });
    // Act
    const without = await restart(before, dir, RESOURCES, log);
    const withAgain = await restart(without, dir, [...RESOURCES, gone]);
    // Assess
    expect(lines).toEqual([
      'sqs: messages of a queue the template no longer has are dropped {"queue":"gone","messages":1}',
    ]);
    expect(await counts(withAgain, 'gone')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('refuses to start on a damaged journal, saying how to start without it', async () => {
    // Prepare
    const dir = stateDir();
    await restart(await start(dir), dir);
    await Promise.all(running.splice(0).map((sqs) => sqs.stop()));
    writeFileSync(join(dir, 'sqs', 'queues.json'), '{"format":1,');
    // Act
    const starting = start(dir);
    // Assess
    await expect(starting).rejects.toThrow(
      /queues\.json holds the local SQS queues' messages but cannot be read/,
    );
  });
});
