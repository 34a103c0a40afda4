import { SQSClient } from '@aws-sdk/client-sqs';
import { tracer } from '../observability.ts';
import { boundedClientConfig } from './http.ts';

/** The SQS client, created once per execution environment, traced, every call bounded in time. */
export const sqsClient = tracer.captureAWSv3Client(new SQSClient(boundedClientConfig()));
