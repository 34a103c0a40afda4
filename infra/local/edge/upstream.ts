// Forwards a request the edge has read to the emulator behind it (DynamoDB Local, the SQS emulator) and
// streams the answer back, optionally rewriting its text. Connections to the emulators are kept open
// between requests.
import { Agent, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { crc32 } from 'node:zlib';
import { EdgeError } from './aws-protocol.ts';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'expect',
  'upgrade',
]);

// Connections kept alive between requests with the settings of Node's global agent (idle ones closed
// after 5 s), stated here rather than left to a Node default; idle sockets keep no process alive.
const upstreamAgent = new Agent({ keepAlive: true, scheduling: 'lifo', timeout: 5_000 });

function forwardHeaders(incoming: IncomingMessage, length: number): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  headers['content-length'] = String(length);
  return headers;
}

/**
 * Sends `body` to the same path on `upstream` with the request's own headers and answers with what
 * the upstream answers; `transform` rewrites the answer's text (given its status). An unreachable
 * upstream is a 503.
 */
export function proxy(
  upstream: string,
  incoming: IncomingMessage,
  body: Buffer,
  outgoing: ServerResponse,
  transform?: (text: string, status: number) => string,
): Promise<void> {
  const target = new URL(incoming.url ?? '/', upstream);
  return new Promise((resolve, reject) => {
    const upstreamRequest = httpRequest(
      target,
      { method: incoming.method, headers: forwardHeaders(incoming, body.length), agent: upstreamAgent },
      (upstreamResponse) => {
        const headers = { ...upstreamResponse.headers };
        if (!transform) {
          outgoing.writeHead(upstreamResponse.statusCode ?? 502, headers);
          upstreamResponse.pipe(outgoing);
          upstreamResponse.on('end', resolve);
          upstreamResponse.on('error', reject);
          return;
        }
        const chunks: Buffer[] = [];
        upstreamResponse.on('data', (chunk: Buffer) => chunks.push(chunk));
        upstreamResponse.on('error', reject);
        upstreamResponse.on('end', () => {
          const original = Buffer.concat(chunks).toString('utf8');
          const text = transform(original, upstreamResponse.statusCode ?? 502);
          delete headers['transfer-encoding'];
          headers['content-length'] = String(Buffer.byteLength(text));
          // DynamoDB's checksum of the body: SDKs that check it (botocore) would refuse a rewritten one.
          if (headers['x-amz-crc32'] !== undefined && text !== original) {
            headers['x-amz-crc32'] = String(crc32(text));
          }
          outgoing.writeHead(upstreamResponse.statusCode ?? 502, headers);
          outgoing.end(text);
          resolve();
        });
      },
    );
    upstreamRequest.on('error', (error) =>
      reject(
        new EdgeError(503, 'ServiceUnavailableException', `Upstream ${upstream} failed: ${error.message}`),
      ),
    );
    upstreamRequest.end(body);
  });
}
