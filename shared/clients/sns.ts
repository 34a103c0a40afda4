import { SNSClient } from '@aws-sdk/client-sns';
import { tracer } from '../observability.ts';
import { boundedClientConfig } from './http.ts';

/** The SNS client (SMS to phone numbers), created once per execution environment, traced, every call bounded in time. */
export const snsClient = tracer.captureAWSv3Client(new SNSClient(boundedClientConfig()));
