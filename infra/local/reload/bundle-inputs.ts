// Which source files a function's bundle was made from, read from the source map beside it: esbuild
// lists every module that put code into the bundle, its entry last (an ES module bundle runs each
// module after the ones it imports). A synthesized cloud assembly keeps no esbuild metafile, so
// this is how a hot reload learns, at start and without building, which functions a file is part of.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** A bundle's entry and the project files it includes (absolute paths). */
export interface BundleInputs {
  entry: string;
  inputs: string[];
}

/** Whether a file belongs to the project's own sources (not an installed package). */
export function isProjectSource(file: string, projectRoot: string): boolean {
  const relative = path.relative(projectRoot, file);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return false;
  return !relative.split(path.sep).includes('node_modules');
}

// `index.handler` → `<codeDir>/index.mjs` (or `.js`, `.cjs`), the file the runtime loads.
function handlerFile(codeDir: string, handler: string): string | undefined {
  const dot = handler.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const base = path.join(codeDir, handler.slice(0, dot));
  return ['.mjs', '.js', '.cjs'].map((extension) => `${base}${extension}`).find((file) => existsSync(file));
}

/** The inputs of the bundle a function runs, or undefined when it is no bundle of this project's sources. */
export async function readBundleInputs(
  codeDir: string,
  handler: string,
  projectRoot: string,
): Promise<BundleInputs | undefined> {
  const bundle = handlerFile(codeDir, handler);
  if (bundle === undefined || !existsSync(`${bundle}.map`)) return undefined;
  let map: { sources?: unknown; sourceRoot?: unknown };
  try {
    map = JSON.parse(await readFile(`${bundle}.map`, 'utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(map.sources)) return undefined;
  const base = path.resolve(path.dirname(bundle), typeof map.sourceRoot === 'string' ? map.sourceRoot : '');
  const sources = map.sources
    .filter((source): source is string => typeof source === 'string')
    .map((source) => path.resolve(base, source));
  const entry = sources.at(-1);
  if (entry === undefined || !isProjectSource(entry, projectRoot)) return undefined;
  return { entry, inputs: sources.filter((source) => isProjectSource(source, projectRoot)) };
}
