import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import {
  type NotificationMessage,
  NotificationRejectedError,
  type NotificationSender,
} from '../core/sender.ts';

// Email through SES v2, SMS through SNS direct publish to a phone number.

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

/** The sender for AWS: SES for email (from `fromAddress`), SNS transactional SMS. */
export function createAwsSender(options: {
  ses: SESv2Client;
  sns: SNSClient;
  fromAddress: string;
}): NotificationSender {
  return {
    async send(message: NotificationMessage) {
      try {
        if (message.channel === 'email') {
          const result = await options.ses.send(
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
        const result = await options.sns.send(
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
