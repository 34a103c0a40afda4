// Serves the operations console under `/_local/console/` on the edge: the local cloud's own page and
// panels (page/, knowing only queues, functions, events and fixtures), and under `app/` the folder of
// views an application gives in its configuration (its `index.js` is loaded by the page as a plugin).
// Files are read at each request, so an edit shows on reload. Only files inside the two folders are
// served: a path is taken apart into segments and none may climb out, also through a symbolic link.
import { readFile, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { sendJson } from '../edge/http.ts';

/** Where the console is, below the admin mount. */
export const CONSOLE_PATH = '/console';

/** The console's own page folder. */
export const PAGE_DIR = path.join(import.meta.dirname, 'page');

export interface ConsoleServerOptions {
  /** The console's page folder (default PAGE_DIR). */
  pageDir?: string;
  /** The application's folder of console views, served under `app/`; none when absent. */
  appDir?: string;
}

/** Answers the console's paths (below the admin mount). */
export interface ConsoleServer {
  handles(path: string): boolean;
  handle(incoming: IncomingMessage, outgoing: ServerResponse, path: string, mount: string): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

// The page runs only its own files: no inline script, no other origin, not framed by another page.
const PAGE_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The content type a file is served with, by its extension. */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file a relative URL path names inside `root`, or undefined when the path is malformed, climbs
 * out of the folder (`..`, an encoded separator, a link pointing elsewhere) or names no file.
 */
export async function fileInside(root: string, relativePath: string): Promise<string | undefined> {
  const segments: string[] = [];
  for (const raw of relativePath.split('/')) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (segment === '.' || segment === '..' || /[/\\\0]/.test(segment)) return undefined;
    segments.push(segment);
  }
  try {
    const realRoot = await realpath(root);
    const file = await realpath(path.join(realRoot, ...segments));
    if (file !== realRoot && !file.startsWith(`${realRoot}${path.sep}`)) return undefined;
    return (await stat(file)).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

function notFound(outgoing: ServerResponse, what: string): void {
  sendJson(outgoing, 404, { error: `the console has no ${what}` });
}

/** Builds the console's file server. */
export function createConsoleServer(options: ConsoleServerOptions = {}): ConsoleServer {
  const pageDir = options.pageDir ?? PAGE_DIR;
  const { appDir } = options;

  async function sendFile(incoming: IncomingMessage, outgoing: ServerResponse, file: string): Promise<void> {
    const content = await readFile(file);
    const type = contentTypeOf(file);
    outgoing.writeHead(200, {
      'content-type': type,
      'content-length': content.length,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      ...(type.startsWith('text/html') ? { 'content-security-policy': PAGE_POLICY } : {}),
    });
    outgoing.end(incoming.method === 'HEAD' ? undefined : content);
  }

  return {
    handles: (requestPath) => requestPath === CONSOLE_PATH || requestPath.startsWith(`${CONSOLE_PATH}/`),
    async handle(incoming, outgoing, requestPath, mount) {
      incoming.resume();
      const method = (incoming.method ?? 'GET').toUpperCase();
      if (method !== 'GET' && method !== 'HEAD') {
        sendJson(outgoing, 405, { error: `${method} is not allowed on the console` }, { allow: 'GET, HEAD' });
        return;
      }
      if (requestPath === CONSOLE_PATH) {
        // Relative links of the page resolve against its folder only with the trailing slash.
        outgoing.writeHead(308, { location: `${mount}${CONSOLE_PATH}/`, 'content-length': 0 });
        outgoing.end();
        return;
      }
      const rest = requestPath.slice(CONSOLE_PATH.length + 1);
      if (rest === 'config.json') {
        sendJson(outgoing, 200, { app: appDir ? 'app/index.js' : null });
        return;
      }
      if (rest === 'app' || rest.startsWith('app/')) {
        const file = appDir ? await fileInside(appDir, rest.slice('app'.length)) : undefined;
        if (!file) notFound(outgoing, `application file ${rest}`);
        else await sendFile(incoming, outgoing, file);
        return;
      }
      const file = await fileInside(pageDir, rest === '' ? 'index.html' : rest);
      if (!file) notFound(outgoing, `file ${rest}`);
      else await sendFile(incoming, outgoing, file);
    },
  };
}
