import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { traced } from '../observability.ts';
import { boundedClientConfig } from './http.ts';

// Marked pure, as in every client module: a bundle whose handler never uses the client leaves it
// out, its SDK with it.

/** The DynamoDB document client, created once per execution environment, traced, every call bounded in time. */
export const documentClient = /* @__PURE__ */ DynamoDBDocumentClient.from(
  /* @__PURE__ */ traced(/* @__PURE__ */ new DynamoDBClient(/* @__PURE__ */ boundedClientConfig())),
  {
    marshallOptions: { removeUndefinedValues: true },
  },
);
