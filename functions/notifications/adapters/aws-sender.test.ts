import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { type NotificationMessage, NotificationRejectedError } from '../core/sender.ts';
import { createAwsSender } from './aws-sender.ts';

const ses = mockClient(SESv2Client);
const sns = mockClient(SNSClient);
afterEach(() => {
  ses.reset();
  sns.reset();
});

const sender = createAwsSender({
  ses: async () => new SESv2Client({}),
  sns: async () => new SNSClient({}),
  fromAddress: 'no-reply@example.com',
});
const message: NotificationMessage = {
  channel: 'email',
  target: 'ann@example.com',
  subject: 'Delivery d-1 is scheduled',
  text: 'Your delivery d-1 is scheduled.',
  eventId: 'e-1',
  deliveryId: 'd-1',
  subscriptionId: 'sub-1',
};

describe('createAwsSender', () => {
  it('sends email through SES from the configured address', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });

    const receipt = await sender.send(message);

    expect(receipt).toEqual({ providerMessageId: 'ses-1' });
    expect(ses.commandCalls(SendEmailCommand)[0]?.args[0].input).toMatchObject({
      FromEmailAddress: 'no-reply@example.com',
      Destination: { ToAddresses: ['ann@example.com'] },
      Content: { Simple: { Subject: { Data: message.subject }, Body: { Text: { Data: message.text } } } },
    });
  });

  it('sends SMS through SNS to the phone number as transactional', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'sns-1' });

    const receipt = await sender.send({ ...message, channel: 'sms', target: '+14155550123' });

    expect(receipt).toEqual({ providerMessageId: 'sns-1' });
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input).toMatchObject({
      PhoneNumber: '+14155550123',
      Message: message.text,
      MessageAttributes: { 'AWS.SNS.SMS.SMSType': { StringValue: 'Transactional' } },
    });
  });

  it('reports a message SES refuses as rejected', async () => {
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('bad address'), { name: 'MessageRejected' }));

    await expect(sender.send(message)).rejects.toBeInstanceOf(NotificationRejectedError);
  });

  it('passes throttling on as a retryable failure', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));

    await expect(
      sender.send({ ...message, channel: 'sms', target: '+14155550123' }),
    ).rejects.not.toBeInstanceOf(NotificationRejectedError);
  });
});
