import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { traced } from '../observability.ts';
import { boundedClientConfig } from './http.ts';

let client: Promise<SESv2Client> | undefined;

/**
 * The SES v2 client (email), imported and created on the first call, once per execution environment,
 * traced, every call bounded in time. Only the path that sends email needs it: the bundler leaves the
 * SDK client out of the bundle, in its lazy/ folder (infra/constructs/bundling.ts).
 */
export function sesClient(): Promise<SESv2Client> {
  client ??= import('@aws-sdk/client-sesv2').then(({ SESv2Client }) =>
    traced(new SESv2Client(boundedClientConfig())),
  );
  return client;
}
