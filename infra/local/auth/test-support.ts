import { request as httpRequest } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { LocalLogger, ResolvedResource, ResolvedStack } from '../model.ts';

// Helpers shared by the tests of the local cloud's gateway, edge and auth parts.

/** A resolved resource for test stacks. */
export function resource(
  logicalId: string,
  type: string,
  properties: Record<string, unknown>,
  extra: { ref?: string; attributes?: Record<string, string>; physicalName?: string } = {},
): ResolvedResource {
  return {
    logicalId,
    type,
    properties,
    physicalName: extra.physicalName ?? logicalId,
    ref: extra.ref ?? logicalId,
    attributes: extra.attributes ?? {},
    dependsOn: [],
  };
}

/** A resolved stack made of the given resources. */
export function stackOf(resources: ResolvedResource[]): ResolvedStack {
  return {
    stackName: 'TestStack',
    region: 'us-east-1',
    accountId: '000000000000',
    cloudAssemblyDir: '/tmp/cdk.out',
    resources: new Map(resources.map((item) => [item.logicalId, item])),
    functionCode: new Map(),
  };
}

/** A role with its ARN attribute, as the resolver gives it. */
export function role(logicalId: string, properties: Record<string, unknown> = {}): ResolvedResource {
  return resource(logicalId, 'AWS::IAM::Role', properties, {
    attributes: { Arn: `arn:aws:iam::000000000000:role/${logicalId}` },
  });
}

/** A function using the role of the given logical id. */
export function lambdaFunction(logicalId: string, roleId: string): ResolvedResource {
  return resource(
    logicalId,
    'AWS::Lambda::Function',
    { Role: `arn:aws:iam::000000000000:role/${roleId}` },
    { attributes: { Arn: `arn:aws:lambda:us-east-1:000000000000:function:${logicalId}` } },
  );
}

/** An `AWS::IAM::Policy` attached to roles by name. */
export function policy(logicalId: string, roles: string[], statements: unknown[]): ResolvedResource {
  return resource(logicalId, 'AWS::IAM::Policy', {
    PolicyName: logicalId,
    Roles: roles,
    PolicyDocument: { Version: '2012-10-17', Statement: statements },
  });
}

/** A logger that keeps its lines for assertions. */
export function recordingLogger(): LocalLogger & {
  lines: Array<{ level: string; message: string; fields?: unknown }>;
} {
  const lines: Array<{ level: string; message: string; fields?: unknown }> = [];
  return {
    lines,
    info: (message, fields) => lines.push({ level: 'info', message, fields }),
    warn: (message, fields) => lines.push({ level: 'warn', message, fields }),
    error: (message, fields) => lines.push({ level: 'error', message, fields }),
  };
}

export interface CallOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Sign with SigV4 with these credentials for this service. */
  sign?: { accessKeyId: string; secretAccessKey: string; service: string; signingDate?: Date };
}

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => unknown;
}

/** Sends one HTTP request (optionally SigV4-signed) and reads the whole answer. */
export async function call(url: string, options: CallOptions = {}): Promise<CallResult> {
  const target = new URL(url);
  const method = options.method ?? 'GET';
  let headers: Record<string, string> = { host: target.host, ...options.headers };
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  if (options.sign) {
    const signer = new SignatureV4({
      credentials: { accessKeyId: options.sign.accessKeyId, secretAccessKey: options.sign.secretAccessKey },
      region: 'us-east-1',
      service: options.sign.service,
      sha256: Sha256,
    });
    const query: Record<string, string> = {};
    target.searchParams.forEach((value, key) => {
      query[key] = value;
    });
    const signed = await signer.sign(
      {
        method,
        protocol: target.protocol,
        hostname: target.hostname,
        port: Number(target.port),
        path: target.pathname,
        query,
        headers,
        body,
      },
      options.sign.signingDate ? { signingDate: options.sign.signingDate } : {},
    );
    headers = signed.headers as Record<string, string>;
  }
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(target, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          text,
          json: () => JSON.parse(text),
        });
      });
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
