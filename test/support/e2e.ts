import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import { inject } from 'vitest';
import { createLocalIssuer } from '../../infra/local/auth/jwt.ts';
import { readLocalCloudState } from '../../infra/local/auth/state.ts';

// Helpers for end-to-end tests: tokens from the local issuer, HTTP calls to the public API,
// and an administrator's view of the tables through the AWS edge endpoint.

interface FullState {
  edge: string;
  apis: { logicalId: string; url: string; authorizers: { issuer: string; audience: string[] }[] }[];
  tables?: Record<string, string>;
}

/** Where the local cloud of this test run listens. */
export function localCloud() {
  return inject('localCloud');
}

async function state(): Promise<FullState> {
  const found = (await readLocalCloudState(localCloud().stateDir)) as FullState | undefined;
  if (!found) throw new Error('the local cloud wrote no state.json');
  return found;
}

/** A bearer token for a user of `accountId`, signed by the local issuer the JWT authorizer trusts. */
export async function tokenFor(accountId: string, sub = `user-${accountId}`): Promise<string> {
  const current = await state();
  const authorizer = current.apis.flatMap((api) => api.authorizers)[0];
  if (!authorizer?.audience[0]) throw new Error('no JWT authorizer in the template');
  const issuer = await createLocalIssuer({ stateDir: localCloud().stateDir });
  return issuer.mint({
    issuer: authorizer.issuer,
    audience: authorizer.audience[0],
    sub,
    claims: { account_id: accountId },
  });
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: any;
}

/** Calls the public API and decodes its JSON answer. */
export async function callApi(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<ApiAnswer> {
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response = await fetch(`${localCloud().publicApiUrl}${path}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    body,
  }).catch((error: Error) => {
    // fetch says only "fetch failed": name the call and the network error behind it.
    throw new Error(`${method} ${path}: ${error.message} (${String(error.cause)})`, { cause: error });
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/** The first pause between two reads of `waitFor`, and the longest. */
const POLL = { firstMs: 200, growth: 1.5, maxMs: 1_500 };

/**
 * Polls `read` until `done` holds or the time is up; returns the last value read. The pauses grow
 * from 200 ms to 1.5 s: every read is a request through the local cloud (often two functions), and
 * a fixed half-second poll of a few deliveries was most of what the cloud did in a long wait.
 */
export async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let pauseMs = POLL.firstMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    pauseMs = Math.min(POLL.maxMs, pauseMs * POLL.growth);
    value = await read();
  }
  return value;
}

/** A valid schedule request body for a pickup now; `overrides` replace top-level fields. */
export function scheduleRequest(overrides: Record<string, unknown> = {}) {
  // Drones are booked for the requested window and fly at its departure: a pickup now flies now.
  const now = Date.now();
  return {
    pickup: { latitude: 47.6, longitude: -122.3, altitude: 0 },
    dropoff: { latitude: 47.61, longitude: -122.29, altitude: 0 },
    pickupTime: new Date(now).toISOString(),
    deadline: new Date(now + 2 * 60 * 60_000).toISOString(),
    expedited: false,
    confirmationRequired: 'None',
    package: { size: 'Small', weightKg: 1.2, tag: 'books' },
    ...overrides,
  };
}

/** Every item of the table whose logical id starts with `logicalIdPrefix`, read as an administrator. */
export async function scanTable(logicalIdPrefix: string): Promise<Record<string, unknown>[]> {
  const current = await state();
  const entry = Object.entries(current.tables ?? {}).find(([logicalId]) =>
    logicalId.startsWith(logicalIdPrefix),
  );
  if (!entry) throw new Error(`no table ${logicalIdPrefix}* in the template`);
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: localCloud().edgeUrl,
      region: 'us-east-1',
      // DynamoDB Local accepts only letters and digits in access keys.
      credentials: { accessKeyId: 'endtoendadmin', secretAccessKey: 'endtoendadmin' },
    }),
  );
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: entry[1], ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  client.destroy();
  return items;
}

/**
 * Invokes the function at `cdkPath` (its construct path below the stack, e.g. `Scheduler/SweepRequests`)
 * synchronously through the edge's Lambda API, as an administrator: what a schedule does, without
 * waiting for the schedule.
 */
export async function invokeFunction(cdkPath: string, event: unknown): Promise<unknown> {
  const { cloudAssemblyDir, edgeUrl } = localCloud();
  const manifest = JSON.parse(await readFile(path.join(cloudAssemblyDir, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  const stack = Object.entries(manifest.artifacts).find(([, a]) => a.type === 'aws:cloudformation:stack');
  if (!stack?.[1].properties?.templateFile) throw new Error('no stack in the cloud assembly');
  const template = JSON.parse(
    await readFile(path.join(cloudAssemblyDir, stack[1].properties.templateFile), 'utf8'),
  ) as { Resources: Record<string, { Type: string; Metadata?: Record<string, unknown> }> };
  const logicalId = Object.entries(template.Resources).find(
    ([, resource]) =>
      resource.Type === 'AWS::Lambda::Function' &&
      resource.Metadata?.['aws:cdk:path'] === `${stack[0]}/${cdkPath}/Resource`,
  )?.[0];
  if (!logicalId) throw new Error(`no function ${cdkPath} in the template`);
  const url = new URL(`/2015-03-31/functions/${logicalId}/invocations`, edgeUrl);
  const body = JSON.stringify(event);
  const signer = new SignatureV4({
    service: 'lambda',
    region: 'us-east-1',
    credentials: { accessKeyId: 'endtoendadmin', secretAccessKey: 'endtoendadmin' },
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    headers: { host: url.host, 'content-type': 'application/json' },
    body,
  });
  const response = await fetch(url, { method: 'POST', headers: signed.headers, body });
  const text = await response.text();
  if (response.status !== 200 || response.headers.get('x-amz-function-error')) {
    throw new Error(`invoking ${cdkPath} answered ${response.status}: ${text}`);
  }
  return text ? JSON.parse(text) : undefined;
}
