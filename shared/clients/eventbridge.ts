import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { tracer } from '../observability.ts';

/** The EventBridge client, created once per execution environment and traced. */
export const eventBridgeClient = tracer.captureAWSv3Client(new EventBridgeClient({}));
