import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { replayEnvelopes } from './replay.ts';
import {
  type MiniCloud,
  orderEnvelope,
  QUEUE_ARN,
  QUEUE_DLQ_ARN,
  startMiniCloud,
  TARGET_DLQ_ARN,
} from './test-support.ts';

let cloud: MiniCloud | undefined;

afterEach(async () => {
  await cloud?.stop();
  cloud = undefined;
});

interface DlqList {
  queues: { name: string; depth: number; sources: { kind: string }[] }[];
}
interface DlqShow {
  messages: { messageId: string; reason: string; body: string }[];
}

async function deadLetterOneEvent(current: MiniCloud): Promise<void> {
  current.host.respond = () => ({ ok: false, errorType: 'InjectedFault', errorMessage: 'Fault injected' });
  await replayEnvelopes(current.client, [{ file: 'f.json', envelopes: [orderEnvelope('o-1')] }], {
    spacing: 'none',
    speed: 1,
    timeoutMs: 8000,
  });
  // SQS moves the message on the receive after the last failed one.
  await vi.waitFor(
    async () => {
      const list = await current.client.request<DlqList>('GET', '/dlqs');
      expect(list.queues.find((queue) => queue.name === 'orders-dlq')?.depth).toBe(1);
    },
    { timeout: 5000, interval: 50 },
  );
}

describe('dead-letter queue tools', () => {
  it('lists the redrive DLQ and the rule target DLQ with what they collect', async () => {
    cloud = await startMiniCloud();

    const list = await cloud.client.request<DlqList>('GET', '/dlqs');

    expect(list.queues.map((queue) => [queue.name, queue.depth, queue.sources[0]?.kind]).sort()).toEqual([
      ['orders-dlq', 0, 'queue'],
      ['orders-target-dlq', 0, 'rule-target'],
    ]);
  });

  it('shows a redriven message with the consumer error logged for its message id', async () => {
    cloud = await startMiniCloud();
    await deadLetterOneEvent(cloud);
    const peek = await cloud.client.request<DlqShow>('GET', '/dlqs/orders-dlq/messages');
    const messageId = peek.messages[0]?.messageId ?? '';
    mkdirSync(cloud.logDir, { recursive: true });
    writeFileSync(
      join(cloud.logDir, 'test-OrderConsumer.log'),
      `${JSON.stringify({ level: 'ERROR', message: 'message processing failed', timestamp: '2026-01-01T10:00:01.000Z', messageId, error: { name: 'Error', message: 'table missing' } })}\n`,
    );

    const shown = await cloud.client.request<DlqShow>('GET', '/dlqs/orders-dlq/messages');

    expect(shown.messages[0]?.reason).toBe(
      'test-OrderConsumer: message processing failed: Error: table missing',
    );
  });

  it('names the consumer failure the local cloud saw when the consumer logged none', async () => {
    cloud = await startMiniCloud();
    await deadLetterOneEvent(cloud);

    const shown = await cloud.client.request<DlqShow>('GET', '/dlqs/orders-dlq/messages');

    expect(shown.messages[0]?.reason).toBe('test-OrderConsumer: InjectedFault: Fault injected');
  });

  it('falls back to the receive count when nothing tells why the message failed', async () => {
    cloud = await startMiniCloud();
    await cloud.sqs.sender.sendMessage(QUEUE_DLQ_ARN, 'lost');

    const shown = await cloud.client.request<DlqShow>('GET', '/dlqs/orders-dlq/messages');

    expect(shown.messages[0]?.reason).toBe(
      'received 1 times without success (no error logged for this message)',
    );
  });

  it('leaves the messages in the queue after showing them', async () => {
    cloud = await startMiniCloud();
    await deadLetterOneEvent(cloud);

    await cloud.client.request<DlqShow>('GET', '/dlqs/orders-dlq/messages');
    const list = await cloud.client.request<DlqList>('GET', '/dlqs');

    expect(list.queues.find((queue) => queue.name === 'orders-dlq')?.depth).toBe(1);
  });

  it('redrives to the source queue, where the consumer then processes the message', async () => {
    cloud = await startMiniCloud();
    await deadLetterOneEvent(cloud);
    const current = cloud;
    const successes: unknown[] = [];
    current.host.respond = (event) => {
      successes.push(event);
      return { ok: true, payload: null };
    };

    const moved = await current.client.request('POST', '/dlqs/orders-dlq/redrive', {});

    expect(moved).toEqual({ queue: 'orders-dlq', destination: 'orders', moved: 1 });
    await vi.waitFor(() => expect(successes).toHaveLength(1), { timeout: 5000 });
    const list = await current.client.request<DlqList>('GET', '/dlqs');
    expect(list.queues.find((queue) => queue.name === 'orders-dlq')?.depth).toBe(0);
  });

  it('shows the target error EventBridge attached to a rule target dead letter', async () => {
    cloud = await startMiniCloud();
    await cloud.sqs.sender.sendMessage(TARGET_DLQ_ARN, JSON.stringify(orderEnvelope('o-9')), {
      messageAttributes: {
        ERROR_CODE: { DataType: 'String', StringValue: 'SDK_CLIENT_ERROR' },
        ERROR_MESSAGE: { DataType: 'String', StringValue: 'queue unavailable' },
        RETRY_ATTEMPTS: { DataType: 'Number', StringValue: '1' },
      },
    });

    const shown = await cloud.client.request<DlqShow>('GET', '/dlqs/target-dlq/messages');

    expect(shown.messages[0]?.reason).toBe('SDK_CLIENT_ERROR: queue unavailable (after 1 retries)');
  });

  it('redrives a rule target dead letter to the rule target queue', async () => {
    cloud = await startMiniCloud();
    const current = cloud;
    await current.sqs.sender.sendMessage(TARGET_DLQ_ARN, JSON.stringify(orderEnvelope('o-9')));

    const moved = await current.client.request('POST', '/dlqs/orders-target-dlq/redrive', {});

    expect(moved).toEqual({ queue: 'orders-target-dlq', destination: 'orders', moved: 1 });
    await vi.waitFor(
      () =>
        expect(current.host.invocations.some((call) => JSON.stringify(call.event).includes('o-9'))).toBe(
          true,
        ),
      { timeout: 5000 },
    );
  });

  it('refuses a queue that is not a dead-letter queue', async () => {
    cloud = await startMiniCloud();

    const attempt = cloud.client.request('POST', `/dlqs/${encodeURIComponent(QUEUE_ARN)}/redrive`, {});

    await expect(attempt).rejects.toThrow('orders is not a dead-letter queue of the template');
  });

  it('refuses a part of a name that several dead-letter queues share', async () => {
    cloud = await startMiniCloud();

    const attempt = cloud.client.request('GET', '/dlqs/dlq/messages');

    await expect(attempt).rejects.toThrow('"dlq" names several dead-letter queues');
  });
});
