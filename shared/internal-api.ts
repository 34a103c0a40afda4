import { defaultProvider } from '@aws-sdk/credential-provider-node';
// The SDK's own SHA-256 and HMAC on node:crypto, as its clients sign in Node.js.
import { Sha256 } from '@smithy/core/checksum';
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
  /** One deadline for the whole call: connecting, the response headers and its body. */
  timeoutMs: number;
  credentials?: AwsCredentialIdentityProvider;
  fetch?: typeof fetch;
}

const TRANSIENT_STATUSES = new Set([408, 429]);

/**
 * Builds the SigV4-signing client; 5xx/408/429, network failures and the deadline (`timeoutMs`, over
 * connect, headers and body) become transient DownstreamErrors, other 4xx not.
 */
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
      // One deadline for the whole exchange: connecting, the headers and the body. A body read after
      // the timer, or outside it, could stall for as long as the server likes.
      const deadline = new AbortController();
      const timer = setTimeout(
        () => deadline.abort(new DOMException(`no answer within ${options.timeoutMs} ms`, 'TimeoutError')),
        options.timeoutMs,
      );
      let response: Response;
      let text: string;
      try {
        response = await untilAborted(
          doFetch(url, { method, headers: signed.headers, body: payload, signal: deadline.signal }),
          deadline.signal,
        );
        text = await untilAborted(response.text(), deadline.signal);
      } catch (error) {
        // Connection refused or reset, a body cut off, the deadline: all worth another attempt, so
        // all transient, and the breaker counts them like a 503.
        const reason = deadline.signal.aborted
          ? `timed out after ${options.timeoutMs} ms`
          : `failed: ${error instanceof Error ? error.message : String(error)}`;
        throw new DownstreamError(
          options.downstream,
          `${method} ${url.pathname} ${reason}`,
          true,
          undefined,
          undefined,
          error,
        );
      } finally {
        clearTimeout(timer);
      }
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

/**
 * Settles with `work`, or rejects once `signal` aborts: a `fetch` that does not honour its signal, or
 * not for the body (an instrumented or injected one), cannot hold the caller past the deadline either.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  let onAbort = () => {};
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text.slice(0, 200) };
  }
}
