// Where the project's installed AWS SDK for JavaScript v3 is: Lambda's Node.js runtimes ship it on the
// module path, so the host offers it to function code that does not bundle its own (sdk-fallback.mjs).
import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The nearest folder at or above `from` whose `node_modules` holds `@aws-sdk` packages, which
 * resolution can start from; undefined when there is none.
 */
export function findSdkBase(from: string = fileURLToPath(new URL('.', import.meta.url))): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', '@aws-sdk'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The SDK base that a function's environments fall back to: none when its code lies under the base,
 * where resolution from the code passes through the base's node_modules anyway (the project's own
 * assets and inline code), which spares those environments the resolution hook.
 */
export function sdkFallbackFor(codeDir: string | undefined, sdkBase: string | undefined): string | undefined {
  if (!codeDir || !sdkBase) return undefined;
  const path = relative(realPath(sdkBase), realPath(codeDir));
  const inside = path === '' || (!path.startsWith('..') && !isAbsolute(path));
  return inside ? undefined : sdkBase;
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
