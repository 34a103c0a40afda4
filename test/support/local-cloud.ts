import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

// What the end-to-end and chaos runs both need before they start a local cloud of their own.

/** The repository's root folder. */
export const ROOT = path.resolve(import.meta.dirname, '../..');

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port whose next `count` ports are all free (the local cloud gives each HTTP API the next one). */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const ports = Array.from({ length: count }, (_, index) => base + index);
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return base;
  }
  throw new Error('no free port range found for the local cloud');
}

/** Synthesizes the dev stage into `cloudAssemblyDir`, as `npm start` does. */
export function synthesize(cloudAssemblyDir: string): void {
  const synth = spawnSync('npx', ['cdk', 'synth', '--quiet', '-c', 'stage=dev', '-o', cloudAssemblyDir], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (synth.status !== 0) throw new Error(`cdk synth failed:\n${synth.stderr}`);
}
