// The admin API's mount on the edge (`/_local/*`, docs/architecture.md §6, "Edge"). The admin API asks
// for no signature, so the edge keeps web pages of other origins away from it:
// - a request whose `Origin` header is present and is not the edge's own origin is refused (403). Own is
//   `http://<host>:<port>` of the edge as the request reached it, with the host 127.0.0.1, localhost, the
//   address the request was sent to or the edge's configured host; a page served by the edge itself
//   (a console under `/_local/`) is of that origin, so its requests pass.
// - a state-changing request (POST, PUT, PATCH, DELETE) must say `Content-Type: application/json` (415
//   otherwise), with or without a body. A page of another origin can send a POST without a CORS
//   preflight only as text/plain, a form or multipart; with JSON the browser asks first, and the
//   preflight is refused by the origin check. A DELETE with neither body nor Content-Type is the one
//   exception: no browser sends a DELETE to another origin without a preflight, so a plain
//   `DELETE /_local/faults` keeps working. The CLIs (`admin/client.ts`) send JSON on every such call.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { headerLists, sendJson, splitTarget } from './http.ts';

/** Where the edge mounts the admin API. */
export const ADMIN_MOUNT = '/_local';

/** Something that answers admin requests, e.g. the admin API. */
export interface AdminHandler {
  handle(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void>;
}

/** What the guard reads of a request. */
export interface AdminRequestFacts {
  method: string;
  /** Every `Origin` header the request carries. */
  origins: string[];
  contentType: string | undefined;
  hasBody: boolean;
}

/** Why a request is refused: the status and an RFC 9457 title and detail. */
export interface AdminRefusal {
  status: 403 | 415;
  title: string;
  detail: string;
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

/** True when the path is the admin API's. */
export function isAdminPath(rawPath: string): boolean {
  return rawPath === ADMIN_MOUNT || rawPath.startsWith(`${ADMIN_MOUNT}/`);
}

/** The origins that count as the admin API's own on a port, for the given hosts. */
export function ownOrigins(port: number, hosts: readonly string[]): Set<string> {
  const origins = new Set<string>();
  for (const host of ['127.0.0.1', 'localhost', ...hosts]) {
    const bare = host.replace(/^::ffff:/, '');
    if (WILDCARD_HOSTS.has(bare)) continue;
    const authority = bare.includes(':') && !bare.startsWith('[') ? `[${bare}]` : bare;
    try {
      origins.add(new URL(`http://${authority}:${port}`).origin);
    } catch {
      // A host that makes no URL is no origin a page can have.
    }
  }
  return origins;
}

function originOf(value: string): string | undefined {
  try {
    return new URL(value).origin;
  } catch {
    return undefined;
  }
}

function isJson(contentType: string | undefined): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/** The refusal a request gets before it reaches the admin API, or undefined when it may pass. */
export function adminRefusal(request: AdminRequestFacts, own: ReadonlySet<string>): AdminRefusal | undefined {
  const [origin, ...more] = request.origins;
  if (origin !== undefined) {
    const parsed = originOf(origin);
    if (more.length > 0 || parsed === undefined || parsed === 'null' || !own.has(parsed)) {
      return {
        status: 403,
        title: 'Forbidden',
        detail: `the admin API answers only pages of its own origin (${[...own].join(', ')}); Origin ${request.origins.join(', ')} is refused`,
      };
    }
  }
  const method = request.method.toUpperCase();
  if (!STATE_CHANGING.has(method) || isJson(request.contentType)) return undefined;
  if (method === 'DELETE' && !request.hasBody && request.contentType === undefined) return undefined;
  return {
    status: 415,
    title: 'Unsupported Media Type',
    detail: `${method} on the admin API needs Content-Type: application/json (got ${request.contentType ?? 'none'})`,
  };
}

function factsOf(incoming: IncomingMessage): AdminRequestFacts {
  const length = incoming.headers['content-length'];
  const contentType = incoming.headers['content-type'];
  return {
    method: incoming.method ?? 'GET',
    origins: headerLists(incoming).origin ?? [],
    contentType: contentType === undefined || contentType === '' ? undefined : contentType,
    hasBody: incoming.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0'),
  };
}

/** Serves `/_local/*` with the handler, behind the origin and content-type guard. */
export function mountAdmin(
  handler: AdminHandler,
  edgeHost: string,
): (incoming: IncomingMessage, outgoing: ServerResponse) => Promise<void> {
  return async (incoming, outgoing) => {
    const { localPort, localAddress } = incoming.socket;
    const own = ownOrigins(localPort ?? 0, [edgeHost, ...(localAddress ? [localAddress] : [])]);
    const refusal = adminRefusal(factsOf(incoming), own);
    if (!refusal) {
      await handler.handle(incoming, outgoing);
      return;
    }
    // The body is not read: it is drained so that the connection can serve the next request.
    incoming.resume();
    sendJson(
      outgoing,
      refusal.status,
      { type: 'about:blank', ...refusal, instance: splitTarget(incoming.url).rawPath },
      {},
      'application/problem+json',
    );
  };
}
