import '../../infra/local/quiet-sdk-notice.ts';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadFixture } from '../../events/fixtures.ts';
import { startLocalCloud } from '../../infra/local/cloud.ts';
import { createConsoleLogger } from '../../infra/local/log.ts';
import { describeSynthesis } from '../../infra/local/synth/cache.ts';
import { ROOT, synthesizeOnce } from './local-cloud.ts';

// End-to-end tests run the synthesized stack in the local cloud, started once per test run on
// free ports with a fresh state folder, so a developer's own `npm start` is left alone. Hot reload
// is on, as in `npm start` (test/e2e/hot-reload.test.ts).

export default async function setup(project: TestProject) {
  const workDir = path.join(ROOT, '.local', 'e2e');
  await mkdir(workDir, { recursive: true });
  const synthesis = await synthesizeOnce((line) => console.info(`e2e: ${line}`));
  console.info(`e2e: ${describeSynthesis(synthesis)}`);
  const cloudAssemblyDir = synthesis.outdir;

  const stateDir = await mkdtemp(path.join(tmpdir(), 'drone-delivery-e2e-'));
  const logFile = createWriteStream(path.join(workDir, 'local-cloud.log'));
  const cloud = await startLocalCloud({
    cloudAssemblyDir,
    stateDir,
    edgePort: 0,
    apiBasePort: 0,
    log: createConsoleLogger({ write: (line) => logFile.write(`${line}\n`) }),
    functionOutput: logFile,
    hotReload: { projectRoot: ROOT },
    // The operations console as `npm start` serves it (test/e2e/console.test.ts).
    console: {
      appDir: path.join(ROOT, 'console'),
      fixturesDir: path.join(ROOT, 'events', 'fixtures'),
      loadFixture,
    },
  });

  // The tests start once a saved file can be reloaded at once (test/e2e/hot-reload.test.ts).
  await cloud.hotReload?.ready;

  const publicApi = cloud.urls.apis[0];
  if (!publicApi) throw new Error('the template has no HTTP API');
  project.provide('localCloud', {
    edgeUrl: cloud.urls.edge,
    publicApiUrl: publicApi.url,
    stateDir,
    cloudAssemblyDir,
  });

  return async () => {
    await cloud.stop();
    logFile.end();
    await rm(stateDir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** `cloudAssemblyDir`: the synthesis this run made, for tests that start a cloud of their own. */
    localCloud: { edgeUrl: string; publicApiUrl: string; stateDir: string; cloudAssemblyDir: string };
  }
}
