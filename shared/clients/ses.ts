import { SESv2Client } from '@aws-sdk/client-sesv2';
import { tracer } from '../observability.ts';
import { boundedClientConfig } from './http.ts';

/** The SES v2 client (email), created once per execution environment, traced, every call bounded in time. */
export const sesClient = tracer.captureAWSv3Client(new SESv2Client(boundedClientConfig()));
