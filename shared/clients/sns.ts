import type { SNSClient } from '@aws-sdk/client-sns';
import { traced } from '../observability.ts';
import { boundedClientConfig } from './http.ts';

let client: Promise<SNSClient> | undefined;

/**
 * The SNS client (SMS to phone numbers), imported and created on the first call, once per execution
 * environment, traced, every call bounded in time. Only the path that sends SMS needs it: the bundler
 * leaves the SDK client out of the bundle, in its lazy/ folder (infra/constructs/bundling.ts).
 */
export function snsClient(): Promise<SNSClient> {
  client ??= import('@aws-sdk/client-sns').then(({ SNSClient }) =>
    traced(new SNSClient(boundedClientConfig())),
  );
  return client;
}
