// Test support for the tests that start a whole local cloud on a small hand-written assembly.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type LocalCloud, type StartLocalCloudOptions, startLocalCloud } from './cloud.ts';
import { silentLogger } from './log.ts';

/** Writes a cloud assembly of one stack `App` with `template` into `dir`, as `cdk synth` would. */
export async function writeAssembly(dir: string, template: unknown): Promise<void> {
  await writeFile(
    path.join(dir, 'manifest.json'),
    JSON.stringify({
      version: '48.0.0',
      artifacts: {
        App: { type: 'aws:cloudformation:stack', properties: { templateFile: 'App.template.json' } },
      },
    }),
  );
  await writeFile(path.join(dir, 'App.template.json'), JSON.stringify(template));
  await writeFile(path.join(dir, 'App.assets.json'), JSON.stringify({ version: '48.0.0', files: {} }));
}

/** Two fresh folders, for an assembly (`dir`) and for a local cloud's state; `remove` deletes both. */
export async function cloudFolders(): Promise<{ dir: string; stateDir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cloud-app-'));
  const stateDir = await mkdtemp(path.join(tmpdir(), 'cloud-state-'));
  return {
    dir,
    stateDir,
    remove: async () => {
      await rm(dir, { recursive: true, force: true });
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** Starts a silent local cloud on the assembly in `dir`, every port free (0) unless `options` say otherwise. */
export function startTestCloud(
  folders: { dir: string; stateDir: string },
  options: Partial<StartLocalCloudOptions> = {},
): Promise<LocalCloud> {
  return startLocalCloud({
    cloudAssemblyDir: folders.dir,
    stateDir: folders.stateDir,
    edgePort: 0,
    apiBasePort: 0,
    log: silentLogger,
    ...options,
  });
}
