import { SNSClient } from '@aws-sdk/client-sns';
import { tracer } from '../observability.ts';

/** The SNS client (SMS to phone numbers), created once per execution environment and traced. */
export const snsClient = tracer.captureAWSv3Client(new SNSClient({}));
