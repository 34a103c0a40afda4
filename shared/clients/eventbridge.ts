import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { traced } from '../observability.ts';
import { boundedClientConfig } from './http.ts';

/** The EventBridge client, created once per execution environment, traced, every call bounded in time. */
export const eventBridgeClient = /* @__PURE__ */ traced(
  /* @__PURE__ */ new EventBridgeClient(/* @__PURE__ */ boundedClientConfig()),
);
