import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from '../observability.ts';
import { boundedClientConfig } from './http.ts';

/** The DynamoDB document client, created once per execution environment, traced, every call bounded in time. */
export const documentClient = DynamoDBDocumentClient.from(
  tracer.captureAWSv3Client(new DynamoDBClient(boundedClientConfig())),
  {
    marshallOptions: { removeUndefinedValues: true },
  },
);
