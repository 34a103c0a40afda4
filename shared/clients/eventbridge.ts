import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { tracer } from '../observability.ts';
import { boundedClientConfig } from './http.ts';

/** The EventBridge client, created once per execution environment, traced, every call bounded in time. */
export const eventBridgeClient = tracer.captureAWSv3Client(new EventBridgeClient(boundedClientConfig()));
