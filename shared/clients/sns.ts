import { SNSClient } from '@aws-sdk/client-sns';
import { traced } from '../observability.ts';
import { boundedClientConfig } from './http.ts';

/** The SNS client (SMS to phone numbers), created once per execution environment, traced, every call bounded in time. */
export const snsClient = /* @__PURE__ */ traced(
  /* @__PURE__ */ new SNSClient(/* @__PURE__ */ boundedClientConfig()),
);
