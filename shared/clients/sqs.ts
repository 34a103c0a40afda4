import { SQSClient } from '@aws-sdk/client-sqs';
import { tracer } from '../observability.ts';

/** The SQS client, created once per execution environment and traced. */
export const sqsClient = tracer.captureAWSv3Client(new SQSClient({}));
