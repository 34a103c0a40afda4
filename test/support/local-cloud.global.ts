import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalCloud } from '../../infra/local/cloud.ts';
import { createConsoleLogger } from '../../infra/local/log.ts';

// End-to-end tests run the synthesized stack in the local cloud, started once per test run on
// free ports with a fresh state folder, so a developer's own `npm start` is left alone.

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port whose next `count` ports are all free (the local cloud gives each HTTP API the next one). */
async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const ports = Array.from({ length: count }, (_, index) => base + index);
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return base;
  }
  throw new Error('no free port range found for the local cloud');
}

export default async function setup(project: TestProject) {
  const root = path.resolve(import.meta.dirname, '../..');
  const workDir = path.join(root, '.local', 'e2e');
  const cloudAssemblyDir = path.join(workDir, 'cdk.out');
  await mkdir(workDir, { recursive: true });
  const synth = spawnSync('npx', ['cdk', 'synth', '--quiet', '-c', 'stage=dev', '-o', cloudAssemblyDir], {
    cwd: root,
    encoding: 'utf8',
  });
  if (synth.status !== 0) throw new Error(`cdk synth failed:\n${synth.stderr}`);

  const stateDir = await mkdtemp(path.join(tmpdir(), 'drone-delivery-e2e-'));
  const logFile = createWriteStream(path.join(workDir, 'local-cloud.log'));
  const apiBasePort = await freePortRange(2);
  const cloud = await startLocalCloud({
    cloudAssemblyDir,
    stateDir,
    edgePort: 0,
    apiBasePort,
    log: createConsoleLogger({ write: (line) => logFile.write(`${line}\n`) }),
    functionOutput: logFile,
  });

  const publicApi = cloud.urls.apis[0];
  if (!publicApi) throw new Error('the template has no HTTP API');
  project.provide('localCloud', { edgeUrl: cloud.urls.edge, publicApiUrl: publicApi.url, stateDir });

  return async () => {
    await cloud.stop();
    logFile.end();
    await rm(stateDir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    localCloud: { edgeUrl: string; publicApiUrl: string; stateDir: string };
  }
}
