import { SESv2Client } from '@aws-sdk/client-sesv2';
import { tracer } from '../observability.ts';

/** The SES v2 client (email), created once per execution environment and traced. */
export const sesClient = tracer.captureAWSv3Client(new SESv2Client({}));
