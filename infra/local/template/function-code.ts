// Finds each function's code folder: an unpacked asset, or inline (`ZipFile`) code written to the state folder.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ResolvedResource } from '../model.ts';
import { TemplateError } from './intrinsics.ts';

/** The folder that holds a function's code, writing inline code out first. */
export async function functionCodeOf(
  resource: ResolvedResource,
  assets: Map<string, string>,
  stateDir: string,
): Promise<string> {
  const code = resource.properties.Code as
    | { S3Key?: unknown; ZipFile?: unknown; ImageUri?: unknown }
    | undefined;
  const where = `resource ${resource.logicalId}, property Code`;
  if (typeof code?.ZipFile === 'string') {
    const folder = path.join(stateDir, 'inline-code', resource.logicalId);
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'index.js'), code.ZipFile);
    // Inline code is CommonJS (`exports.handler`); the folder must not inherit an ESM package.json.
    await writeFile(path.join(folder, 'package.json'), '{ "type": "commonjs" }\n');
    return folder;
  }
  if (typeof code?.S3Key !== 'string') {
    throw new TemplateError(`Only asset (S3Key) or inline (ZipFile) function code is supported (${where})`);
  }
  const folder = assets.get(code.S3Key);
  if (!folder)
    throw new TemplateError(`No asset in the cloud assembly has object key ${code.S3Key} (${where})`);
  const info = await stat(folder).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new TemplateError(`Asset ${folder} is not an unpacked folder; re-run \`npx cdk synth\` (${where})`);
  }
  return folder;
}
