import { SQSClient } from '@aws-sdk/client-sqs';
import { traced } from '../observability.ts';
import { boundedClientConfig } from './http.ts';

/** The SQS client, created once per execution environment, traced, every call bounded in time. */
export const sqsClient = /* @__PURE__ */ traced(
  /* @__PURE__ */ new SQSClient(/* @__PURE__ */ boundedClientConfig()),
);
