import '../../infra/local/quiet-sdk-notice.ts';
import { tmpdir } from 'node:os';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../infra/local/dynamodb/dynamodb-local.ts';

// Integration tests run against the official DynamoDB Local, started once per test run, in memory.

export default async function setup(project: TestProject) {
  const dynamodb = await startDynamoDbLocal({ port: 0, stateDir: tmpdir(), inMemory: true });
  project.provide('dynamodbEndpoint', dynamodb.endpoint);
  return () => dynamodb.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}
