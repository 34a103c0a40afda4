import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request body above the size the receiving service accepts. */
export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
}

/** Reads a whole request body, failing once it exceeds `limitBytes`. */
export async function readBody(request: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    request.resume();
    throw new BodyTooLargeError(`Request body of ${declared} bytes exceeds ${limitBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limitBytes) {
      request.resume();
      throw new BodyTooLargeError(`Request body exceeds ${limitBytes} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** The request's headers with lowercase names, each with every value it was sent with. */
export function headerLists(request: IncomingMessage): Record<string, string[]> {
  const lists: Record<string, string[]> = {};
  for (let index = 0; index + 1 < request.rawHeaders.length; index += 2) {
    const name = request.rawHeaders[index]!.toLowerCase();
    const value = request.rawHeaders[index + 1]!;
    const list = lists[name];
    if (list) list.push(value);
    else lists[name] = [value];
  }
  return lists;
}

/** Sends a JSON body with the given status and content type. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  contentType = 'application/json',
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

/** Splits a request target into its raw path and raw query string. */
export function splitTarget(url: string | undefined): { rawPath: string; rawQuery: string } {
  const target = url ?? '/';
  const index = target.indexOf('?');
  return index < 0
    ? { rawPath: target, rawQuery: '' }
    : { rawPath: target.slice(0, index), rawQuery: target.slice(index + 1) };
}

/** The client address without the IPv4-mapped IPv6 prefix. */
export function sourceIpOf(request: IncomingMessage): string {
  return (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
}

/**
 * How long a server keeps an idle keep-alive connection (API Gateway's own idle timeout is longer
 * than clients'). Clients close theirs first (undici after 4 s, the SDK's agents when told), so a
 * request is never written to a socket the server is closing at that moment: Node's default of
 * 5 s races a client's 4 s on a busy machine, and the request fails with a reset.
 */
export const IDLE_CONNECTION_MS = 65_000;

/** Applies the idle timeout above to a server (headers must still arrive within a shorter bound). */
export function keepConnections(server: { keepAliveTimeout: number; headersTimeout: number }): void {
  server.keepAliveTimeout = IDLE_CONNECTION_MS;
  // Node requires headersTimeout above keepAliveTimeout for kept connections to be reused safely.
  server.headersTimeout = IDLE_CONNECTION_MS + 1_000;
}
