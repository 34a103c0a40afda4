import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider, HttpRequest } from '@smithy/types';
import { CORRELATION_HEADER, currentCorrelationId } from './correlation.ts';
import { DownstreamError } from './errors.ts';

/** A decoded 2xx answer of an internal API. */
export interface InternalResponse<T> {
  status: number;
  body: T;
}

/** Calls the internal HTTP API with SigV4-signed requests (IAM authorization on every route). */
export interface InternalApiClient {
  request<T>(method: string, path: string, body?: unknown): Promise<InternalResponse<T>>;
}

export interface InternalApiClientOptions {
  baseUrl: string;
  region: string;
  /** Name used in errors and metrics for the service being called. */
  downstream: string;
  timeoutMs: number;
  credentials?: AwsCredentialIdentityProvider;
  fetch?: typeof fetch;
}

const TRANSIENT_STATUSES = new Set([408, 429]);

/** Builds the SigV4-signing client; 5xx/408/429/timeouts become transient DownstreamErrors, other 4xx not. */
export function createInternalApiClient(options: InternalApiClientOptions): InternalApiClient {
  const signer = new SignatureV4({
    service: 'execute-api',
    region: options.region,
    credentials: options.credentials ?? defaultProvider(),
    sha256: Sha256,
  });
  const base = new URL(options.baseUrl);
  // Looked up per call so that a fetch replaced after creation (tests, instrumentation) is used.
  const doFetch = options.fetch ?? ((input: URL, init?: RequestInit) => fetch(input, init));

  return {
    async request<T>(method: string, path: string, body?: unknown): Promise<InternalResponse<T>> {
      const url = new URL(path, base);
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const request: HttpRequest = {
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: {
          host: url.host,
          accept: 'application/json',
          [CORRELATION_HEADER]: currentCorrelationId(),
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: payload,
      };
      const signed = await signer.sign(request);
      let response: Response;
      try {
        response = await doFetch(url, {
          method,
          headers: signed.headers,
          body: payload,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        throw new DownstreamError(
          options.downstream,
          `${method} ${url.pathname} failed: ${error instanceof Error ? error.message : String(error)}`,
          true,
          undefined,
          undefined,
          error,
        );
      }
      const text = await response.text();
      const parsed = parseJson(text);
      if (response.ok) return { status: response.status, body: parsed as T };
      const problem =
        typeof parsed === 'object' && parsed !== null ? (parsed as DownstreamError['problem']) : undefined;
      throw new DownstreamError(
        options.downstream,
        `${method} ${url.pathname} answered ${response.status}`,
        response.status >= 500 || TRANSIENT_STATUSES.has(response.status),
        response.status,
        problem,
      );
    },
  };
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text.slice(0, 200) };
  }
}
