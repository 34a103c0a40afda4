import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readyLine } from '../cloud.ts';
import { contentTypeOf, createConsoleServer, fileInside, PAGE_DIR } from './server.ts';

let root: string;
let pageDir: string;
let appDir: string;
let outside: string;
const servers: Server[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'console-server-'));
  pageDir = join(root, 'page');
  appDir = join(root, 'app');
  outside = join(root, 'outside');
  await mkdir(join(pageDir, 'panels'), { recursive: true });
  await mkdir(appDir);
  await mkdir(outside);
  await writeFile(join(pageDir, 'index.html'), '<!doctype html><title>console</title>');
  await writeFile(join(pageDir, 'main.js'), 'export {};');
  await writeFile(join(pageDir, 'panels', 'queues.js'), 'export const queues = 1;');
  await writeFile(join(pageDir, 'data.bin'), 'raw');
  await writeFile(join(appDir, 'index.js'), 'export function mount() {}');
  await writeFile(join(appDir, 'index.css'), 'body {}');
  await writeFile(join(outside, 'secret.txt'), 'secret');
  await writeFile(join(root, 'secret.txt'), 'secret');
  await symlink(join(outside, 'secret.txt'), join(pageDir, 'link.txt'));
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  await rm(root, { recursive: true, force: true });
});

async function serve(withApp: boolean): Promise<string> {
  const console = createConsoleServer(withApp ? { pageDir, appDir } : { pageDir });
  const server = createServer((incoming, outgoing) => {
    const path = (incoming.url ?? '/').split('?')[0]!.slice('/_local'.length);
    if (!console.handles(path)) {
      outgoing.writeHead(418).end();
      return;
    }
    void console.handle(incoming, outgoing, path, '/_local');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/_local/console`;
}

describe('contentTypeOf', () => {
  it('types the page’s files by extension, anything else as bytes', () => {
    expect(contentTypeOf('index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('a/main.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeOf('console.css')).toBe('text/css; charset=utf-8');
    expect(contentTypeOf('shot.png')).toBe('image/png');
    expect(contentTypeOf('data.bin')).toBe('application/octet-stream');
  });
});

describe('fileInside', () => {
  it('finds a file by its URL path, nested ones too', async () => {
    expect(await fileInside(pageDir, '/panels/queues.js')).toMatch(/page\/panels\/queues\.js$/);
    expect(await fileInside(pageDir, 'panels//queues.js')).toMatch(/page\/panels\/queues\.js$/);
  });

  it.each([
    ['..', '../secret.txt'],
    ['.. encoded', '%2e%2e/secret.txt'],
    ['an encoded slash', '..%2fsecret.txt'],
    ['a backslash', '..%5csecret.txt'],
    ['a NUL byte', 'index.html%00.js'],
    ['malformed percent-encoding', '%E0%A4%A'],
    ['a link to a file outside', 'link.txt'],
    ['a folder', 'panels'],
    ['a missing file', 'nothing.js'],
  ])('finds nothing for %s', async (_case, path) => {
    expect(await fileInside(pageDir, path)).toBeUndefined();
  });
});

describe('createConsoleServer', () => {
  it('serves the page with its type, no caching and a policy that admits only its own files', async () => {
    const base = await serve(false);

    const page = await fetch(`${base}/`);
    const script = await fetch(`${base}/panels/queues.js`);
    const raw = await fetch(`${base}/data.bin`);

    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('<title>console</title>');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('content-security-policy')).toBeNull();
    expect(raw.headers.get('content-type')).toBe('application/octet-stream');
  });

  it('redirects the folder without its slash to the folder', async () => {
    const base = await serve(false);

    const response = await fetch(base, { redirect: 'manual' });

    expect(response.status).toBe(308);
    expect(response.headers.get('location')).toBe('/_local/console/');
  });

  it('serves the application’s folder under app/ and names its plugin in config.json', async () => {
    const base = await serve(true);

    const config = await (await fetch(`${base}/config.json`)).json();
    const plugin = await fetch(`${base}/app/index.js`);
    const styles = await fetch(`${base}/app/index.css`);

    expect(config).toEqual({ app: 'app/index.js' });
    expect(await plugin.text()).toBe('export function mount() {}');
    expect(styles.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('has no application without one configured', async () => {
    const base = await serve(false);

    expect(await (await fetch(`${base}/config.json`)).json()).toEqual({ app: null });
    expect((await fetch(`${base}/app/index.js`)).status).toBe(404);
  });

  it('answers 404 to a path that leaves its folders, even encoded', async () => {
    const base = new URL(await serve(true));
    // Sent as written: fetch would resolve the dot segments before sending.
    const statusOf = (path: string) =>
      new Promise<number>((resolve, reject) => {
        request({ host: base.hostname, port: base.port, path: `${base.pathname}${path}` }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });

    const answers = await Promise.all(
      [
        '/../../secret.txt',
        '/..%2f..%2fsecret.txt',
        '/%2e%2e/%2e%2e/secret.txt',
        '/app/../page/index.html',
        '/link.txt',
        '/app/',
      ].map(statusOf),
    );

    expect(answers).toEqual([404, 404, 404, 404, 404, 404]);
  });

  it('answers HEAD without a body and refuses other methods with 405', async () => {
    const base = await serve(false);

    const head = await fetch(`${base}/main.js`, { method: 'HEAD' });
    const post = await fetch(`${base}/main.js`, { method: 'POST', body: 'x' });

    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('10');
    expect(await head.text()).toBe('');
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('ships its own page', async () => {
    expect(await fileInside(PAGE_DIR, 'index.html')).toBeDefined();
    expect(await fileInside(PAGE_DIR, 'main.js')).toBeDefined();
  });
});

describe('readyLine', () => {
  it('names the console after the word console', () => {
    const line = readyLine({
      edge: 'http://127.0.0.1:4566',
      apis: [{ logicalId: 'PublicApi6461FF4B', url: 'http://127.0.0.1:3000' }],
      console: 'http://127.0.0.1:4566/_local/console/',
    });

    expect(line).toBe(
      'local cloud ready: edge http://127.0.0.1:4566, apis PublicApi http://127.0.0.1:3000, console http://127.0.0.1:4566/_local/console/',
    );
  });
});
