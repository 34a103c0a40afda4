import { SESv2Client } from '@aws-sdk/client-sesv2';
import { traced } from '../observability.ts';
import { boundedClientConfig } from './http.ts';

/** The SES v2 client (email), created once per execution environment, traced, every call bounded in time. */
export const sesClient = /* @__PURE__ */ traced(
  /* @__PURE__ */ new SESv2Client(/* @__PURE__ */ boundedClientConfig()),
);
