import { writeFile } from 'node:fs/promises';
import path from 'node:path';

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
