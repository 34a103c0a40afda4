import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadFixture } from '../../../events/fixtures.ts';
import { type ParsedDeliveryEvent, parseDeliveryEvent } from '../../../events/schemas.ts';
import { createTestTable } from '../../../test/support/dynamodb.ts';
import { type SentLedger, sentKey } from '../core/ledger.ts';
import { NotificationRetryError, type NotifyDeps, sendNotifications } from '../core/notify.ts';
import {
  type NotificationMessage,
  NotificationRejectedError,
  type NotificationSender,
} from '../core/sender.ts';
import type { Subscription } from '../core/subscriptions.ts';
import { listRecordedMessages } from '../test-support/recorded-messages.ts';
import { createSentLedger } from './dynamodb-ledger.ts';
import { createRecordingSender } from './recording-sender.ts';

const [CREATED] = loadFixture('events/fixtures/DeliveryCreated.json').map((event) =>
  parseDeliveryEvent(event),
);
if (!CREATED) throw new Error('fixture missing');
const SUBSCRIPTIONS: Subscription[] = [
  { subscriptionId: 'sub-email', channel: 'email', target: 'ann@example.com' },
  { subscriptionId: 'sub-sms', channel: 'sms', target: '+14155550123' },
];
const remaining = () => 30_000;

let table: Awaited<ReturnType<typeof createTestTable>>;
let ledger: SentLedger;
let sequence = 0;

beforeAll(async () => {
  table = await createTestTable('notifications');
  ledger = createSentLedger(table.documentClient, table.tableName);
});
afterAll(async () => {
  await table.drop();
});

function eventWithFreshId() {
  return parseDeliveryEvent({ ...CREATED?.envelope, id: `evt-${++sequence}` });
}

/** The fixture event published under `metadata.eventId`, in the envelope `envelopeId`. */
function withEventId(eventId: string, envelopeId: string) {
  const envelope = CREATED?.envelope;
  if (!envelope) throw new Error('fixture missing');
  return parseDeliveryEvent({
    ...envelope,
    id: envelopeId,
    detail: { ...envelope.detail, metadata: { ...envelope.detail.metadata, eventId } },
  });
}

function deps(sender: NotificationSender, subscriptions = SUBSCRIPTIONS): NotifyDeps {
  return {
    subscriptions: { list: async () => subscriptions },
    sender,
    ledger,
    now: () => new Date(),
    leaseMs: 60_000,
  };
}

describe('sendNotifications with the recording sender', () => {
  let recording: NotificationSender;
  beforeEach(() => {
    recording = createRecordingSender(table.documentClient, table.tableName);
  });

  it('records one message per subscription, readable by delivery', async () => {
    const event = eventWithFreshId();

    const summary = await sendNotifications(deps(recording), event, remaining);

    const messages = (
      await listRecordedMessages(table.documentClient, table.tableName, 'd-fixture-0001')
    ).filter((message) => message.eventId === event.eventId);
    expect(summary).toEqual({ sent: 2, alreadySent: 0, rejected: 0 });
    expect(messages.map((message) => message.target).sort()).toEqual(['+14155550123', 'ann@example.com']);
    expect(messages[0]?.subject).toContain('d-fixture-0001');
  });

  it('sends nothing again when the same event is delivered twice', async () => {
    const event = eventWithFreshId();
    await sendNotifications(deps(recording), event, remaining);

    const again = await sendNotifications(deps(recording), event, remaining);

    expect(again).toEqual({ sent: 0, alreadySent: 2, rejected: 0 });
  });
});

describe('sendNotifications with copies of one event', () => {
  function countingSender() {
    const sent: NotificationMessage[] = [];
    const sender: NotificationSender = {
      async send(message) {
        sent.push(message);
        return {};
      },
    };
    return { sent, sender };
  }

  /**
   * Each copy runs as an SQS delivery would: a copy told to retry (another copy held the claim) is
   * delivered again once this round is over. Two rounds settle everything: by the end of the first,
   * the copy that claimed a message has sent it.
   */
  async function deliverUntilSettled(deps: NotifyDeps, copies: ParsedDeliveryEvent[]) {
    const pending = new Set(copies);
    for (let round = 1; pending.size > 0; round++) {
      if (round > 2) throw new Error(`${pending.size} copies still unsettled after two rounds`);
      const settled = await Promise.all(
        [...pending].map((copy) =>
          sendNotifications(deps, copy, remaining).then(
            () => copy,
            (error: unknown) => {
              if (!(error instanceof NotificationRetryError)) throw error;
              return undefined;
            },
          ),
        ),
      );
      for (const copy of settled) if (copy) pending.delete(copy);
    }
  }

  it.each([
    ['the same envelope', (_index: number) => 'envelope-same'],
    ['a different envelope each', (index: number) => `envelope-${index}`],
  ])('sends one message per subscription for 20 concurrent copies under %s', async (_name, envelopeId) => {
    const eventId = `logical-${++sequence}`;
    const copies = Array.from({ length: 20 }, (_, index) => withEventId(eventId, envelopeId(index)));
    const { sent, sender } = countingSender();

    await deliverUntilSettled(deps(sender), copies);

    expect(sent.map((message) => message.subscriptionId).sort()).toEqual(['sub-email', 'sub-sms']);
    expect(await sendNotifications(deps(sender), withEventId(eventId, 'envelope-late'), remaining)).toEqual({
      sent: 0,
      alreadySent: 2,
      rejected: 0,
    });
  });
});

describe('sendNotifications failures', () => {
  it('retries only the message that failed transiently', async () => {
    const event = eventWithFreshId();
    const sent: NotificationMessage[] = [];
    let failSms = true;
    const flaky: NotificationSender = {
      async send(message) {
        if (message.channel === 'sms' && failSms) throw new Error('throttled');
        sent.push(message);
        return {};
      },
    };
    await expect(sendNotifications(deps(flaky), event, remaining)).rejects.toBeInstanceOf(
      NotificationRetryError,
    );
    failSms = false;

    await sendNotifications(deps(flaky), event, remaining);

    expect(sent.map((message) => message.channel)).toEqual(['email', 'sms']);
  });

  it('does not send a message another invocation is sending', async () => {
    const event = eventWithFreshId();
    const message = {
      ...SUBSCRIPTIONS[0],
      subject: 's',
      text: 't',
      eventId: event.eventId,
      deliveryId: 'd',
    };
    await ledger.claim(
      { ...message, subscriptionId: 'sub-email' } as NotificationMessage,
      new Date(),
      60_000,
    );
    const sent: string[] = [];
    const sender: NotificationSender = {
      async send(m) {
        sent.push(m.subscriptionId);
        return {};
      },
    };

    await expect(sendNotifications(deps(sender), event, remaining)).rejects.toBeInstanceOf(
      NotificationRetryError,
    );

    expect(sent).toEqual(['sub-sms']);
  });

  it('marks a message the channel rejects and does not retry it', async () => {
    const event = eventWithFreshId();
    const rejecting: NotificationSender = {
      async send() {
        throw new NotificationRejectedError('MessageRejected: bad address');
      },
    };

    const summary = await sendNotifications(
      deps(rejecting, [SUBSCRIPTIONS[0] as Subscription]),
      event,
      remaining,
    );
    const again = await sendNotifications(
      deps(rejecting, [SUBSCRIPTIONS[0] as Subscription]),
      event,
      remaining,
    );

    expect(summary).toEqual({ sent: 0, alreadySent: 0, rejected: 1 });
    expect(again).toEqual({ sent: 0, alreadySent: 1, rejected: 0 });
    const item = await table.documentClient.send(
      new GetCommand({
        TableName: table.tableName,
        Key: sentKey(event.eventId, 'sub-email'),
      }),
    );
    expect(item.Item?.status).toBe('rejected');
  });

  it('takes over a claim whose lease expired', async () => {
    const event = eventWithFreshId();
    const stale = {
      channel: 'email' as const,
      target: 'ann@example.com',
      subject: 's',
      text: 't',
      eventId: event.eventId,
      deliveryId: 'd-fixture-0001',
      subscriptionId: 'sub-email',
    };
    await ledger.claim(stale, new Date(Date.now() - 120_000), 60_000);

    const result = await ledger.claim(stale, new Date(), 60_000);

    expect(result.kind).toBe('claimed');
  });
});
