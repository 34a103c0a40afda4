import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SNSClient } from '@aws-sdk/client-sns';
import {
  type NotificationMessage,
  NotificationRejectedError,
  type NotificationSender,
} from '../core/sender.ts';

// Email through SES v2, SMS through SNS direct publish to a phone number. Each SDK client is imported
// on the first message of its channel, not at the cold start: they are most of what the function
// would otherwise load there, and a stage that records messages instead never needs them.

/** Errors about this message itself; anything else (throttling, outages, account limits) is retried. */
const REJECTIONS = new Set([
  'MessageRejected',
  'BadRequestException',
  'InvalidParameterException',
  'InvalidParameterValueException',
  'EndpointDisabledException',
]);

function rejectedOrRethrow(error: unknown): never {
  if (error instanceof Error && REJECTIONS.has(error.name)) {
    throw new NotificationRejectedError(`${error.name}: ${error.message}`, { cause: error });
  }
  throw error;
}

/** The sender for AWS: SES for email (from `fromAddress`), SNS transactional SMS; each client given on first use. */
export function createAwsSender(options: {
  ses: () => Promise<SESv2Client>;
  sns: () => Promise<SNSClient>;
  fromAddress: string;
}): NotificationSender {
  return {
    async send(message: NotificationMessage) {
      try {
        if (message.channel === 'email') {
          const [{ SendEmailCommand }, ses] = await Promise.all([
            import('@aws-sdk/client-sesv2'),
            options.ses(),
          ]);
          const result = await ses.send(
            new SendEmailCommand({
              FromEmailAddress: options.fromAddress,
              Destination: { ToAddresses: [message.target] },
              Content: {
                Simple: {
                  Subject: { Data: message.subject, Charset: 'UTF-8' },
                  Body: { Text: { Data: message.text, Charset: 'UTF-8' } },
                },
              },
            }),
          );
          return result.MessageId === undefined ? {} : { providerMessageId: result.MessageId };
        }
        const [{ PublishCommand }, sns] = await Promise.all([import('@aws-sdk/client-sns'), options.sns()]);
        const result = await sns.send(
          new PublishCommand({
            PhoneNumber: message.target,
            Message: message.text,
            MessageAttributes: {
              'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
            },
          }),
        );
        return result.MessageId === undefined ? {} : { providerMessageId: result.MessageId };
      } catch (error) {
        return rejectedOrRethrow(error);
      }
    },
  };
}
