// What a changed file under the watched folders asks of the running local cloud: a hot reload of
// the functions whose bundles include it, a restart (the stack or the local cloud itself changed),
// or nothing (tests, editors' temporary files, documentation).
import path from 'node:path';

export type ChangeKind = 'reload' | 'restart' | 'ignore';

/** Which top folders of the project hold function code and which hold the stack and the local cloud. */
export interface WatchedFolders {
  reload: readonly string[];
  restart: readonly string[];
}

// The files esbuild bundles or the stack is made of; anything else (`.md`, `.swp`, `file~`) is not code.
const CODE_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.json']);
const TEST_FOLDERS = new Set(['test-support', 'test-fixtures', '__tests__']);

/** Classifies a path relative to the project root (`/` or the platform's separator). */
export function classifyChange(relativePath: string, folders: WatchedFolders): ChangeKind {
  const parts = relativePath.split(/[\\/]/).filter((part) => part !== '');
  const [top] = parts;
  const name = parts.at(-1) ?? '';
  if (top === undefined || !CODE_EXTENSIONS.has(path.extname(name))) return 'ignore';
  if (/\.test\.[^.]+$/.test(name) || parts.some((part) => TEST_FOLDERS.has(part))) return 'ignore';
  if (folders.reload.includes(top)) return 'reload';
  if (folders.restart.includes(top)) return 'restart';
  return 'ignore';
}
