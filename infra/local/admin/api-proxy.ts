// The local HTTP APIs reached through the edge (`/_local/apis/<logical id>/<path>`): a page the edge
// serves (the console) calls them at its own origin, where calling their ports would be cross-origin
// and need CORS the template does not give. The request goes on unchanged but for the hop-by-hop and
// browser-only headers; the answer comes back as the API gave it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readBody, sendJson } from '../edge/http.ts';
import { segmentsOf } from './routes.ts';

export interface ApiProxyOptions {
  apis(): { logicalId: string; url: string }[];
  /** The largest request body passed on (default 10 MiB, API Gateway's limit). */
  maxBodyBytes?: number;
}

/** Serves `/_local/apis/<logical id>/...` (paths below the admin mount). */
export interface ApiProxy {
  /** Whether the path (below `/_local`) is one the proxy answers. */
  handles(path: string): boolean;
  handle(incoming: IncomingMessage, outgoing: ServerResponse, path: string, rawQuery: string): Promise<void>;
}

// Not passed on: the hop's own headers, and what only says which page or browser sent the request.
const DROPPED_REQUEST_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'expect',
  'upgrade',
  'origin',
  'referer',
  'cookie',
]);
const DROPPED_RESPONSE_HEADERS = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'content-encoding',
]);

/** The API and the path on it a proxied path names; undefined when it names none of `apis`. */
export function proxyTarget(
  path: string,
  apis: { logicalId: string; url: string }[],
): { url: string; rest: string } | undefined {
  const match = /^\/apis\/([^/]+)(\/.*)?$/.exec(path);
  if (!match) return undefined;
  const segments = segmentsOf(match[1] ?? '');
  const logicalId = segments?.[0];
  const api = apis.find((candidate) => candidate.logicalId === logicalId);
  return api ? { url: api.url, rest: match[2] ?? '/' } : undefined;
}

/** Builds the proxy over the running HTTP APIs. */
export function createApiProxy(options: ApiProxyOptions): ApiProxy {
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  return {
    handles: (path) => /^\/apis\/[^/]+(\/|$)/.test(path),
    async handle(incoming, outgoing, path, rawQuery) {
      const target = proxyTarget(path, options.apis());
      if (!target) {
        incoming.resume();
        const known = options.apis().map((api) => api.logicalId);
        sendJson(outgoing, 404, { error: `no HTTP API named by ${path}; the APIs: ${known.join(', ')}` });
        return;
      }
      let body: Buffer;
      try {
        body = await readBody(incoming, maxBodyBytes);
      } catch (error) {
        if (!(error instanceof BodyTooLargeError)) throw error;
        sendJson(outgoing, 413, { error: error.message });
        return;
      }
      const headers = new Headers();
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (value === undefined || DROPPED_REQUEST_HEADERS.has(name)) continue;
        headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      const method = (incoming.method ?? 'GET').toUpperCase();
      const url = `${target.url}${target.rest}${rawQuery ? `?${rawQuery}` : ''}`;
      let answer: Response;
      try {
        answer = await fetch(url, {
          method,
          headers,
          redirect: 'manual',
          ...(body.length > 0 && method !== 'GET' && method !== 'HEAD' ? { body } : {}),
        });
      } catch (error) {
        sendJson(outgoing, 502, { error: `the HTTP API at ${target.url} did not answer: ${String(error)}` });
        return;
      }
      const payload = Buffer.from(await answer.arrayBuffer());
      const responseHeaders: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        if (!DROPPED_RESPONSE_HEADERS.has(name)) responseHeaders[name] = value;
      });
      responseHeaders['content-length'] = String(payload.length);
      outgoing.writeHead(answer.status, responseHeaders);
      outgoing.end(payload);
    },
  };
}
