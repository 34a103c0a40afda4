// The synthesis key: one hash of everything a CDK app's cloud assembly is made from, so that an
// unchanged app is not synthesized again (docs/architecture.md, the local cloud). Which folders the
// app is made of is read from cdk.json's `watch` settings, the declaration `cdk watch` already uses:
// the key stays generic and cannot drift from what the project says its app is.
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Files outside the watched folders that change a synthesis: the CLI's settings and context
 * cache, the dependency manifest and lock files (the bundled libraries, the CDK and esbuild
 * versions), and the TypeScript settings esbuild bundles with.
 */
export const KEYED_ROOT_FILES = [
  'cdk.json',
  'cdk.context.json',
  'package.json',
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lock',
  'tsconfig.json',
] as const;

// Bumped when what the key covers changes, so that keys written by an older rule never match.
const KEY_FORMAT = 'synth-key/1';

/** Which paths, relative to the project root, the app is made of (cdk.json `watch`). */
export interface KeyedPaths {
  include: readonly string[];
  exclude: readonly string[];
}

export interface SynthesisKeyInputs {
  /** The CDK project's root: where cdk.json is. */
  root: string;
  /** Context given on the command line (`-c key=value`); cdk.json's own context is in cdk.json. */
  context: Readonly<Record<string, string>>;
}

/** Turns a `watch` glob (`**`, `*`, `?`) into a regular expression over `/`-separated relative paths. */
export function globToRegExp(glob: string): RegExp {
  let pattern = '';
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index]!;
    if (char === '*' && glob[index + 1] === '*') {
      // `dir/**` matches the folder's whole content, `**/x` matches x in any folder.
      const slashAfter = glob[index + 2] === '/';
      pattern += slashAfter ? '(?:.*/)?' : '.*';
      index += slashAfter ? 2 : 1;
    } else if (char === '*') {
      pattern += '[^/]*';
    } else if (char === '?') {
      pattern += '[^/]';
    } else {
      pattern += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${pattern}$`);
}

/** Reads the folders the app is made of from cdk.json's `watch`; refuses a cdk.json without them. */
export async function readKeyedPaths(root: string): Promise<KeyedPaths> {
  const file = path.join(root, 'cdk.json');
  const settings = JSON.parse(await readFile(file, 'utf8')) as {
    watch?: { include?: unknown; exclude?: unknown };
  };
  const strings = (value: unknown): string[] | undefined =>
    Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
  const include = strings(settings.watch?.include);
  if (!include || include.length === 0) {
    throw new Error(`${file} has no watch.include: the synthesis cache needs the folders the app is made of`);
  }
  return { include, exclude: strings(settings.watch?.exclude) ?? [] };
}

/** Whether a path relative to the root (with `/`) is one the key reads, by the `watch` globs. */
export function isKeyedPath(relativePath: string, keyed: KeyedPaths): boolean {
  const matches = (globs: readonly string[]) => globs.some((glob) => globToRegExp(glob).test(relativePath));
  return matches(keyed.include) && !matches(keyed.exclude);
}

// The folder a glob can match under: its path up to the first wildcard.
function baseFolderOf(glob: string): string {
  const parts = glob.split('/');
  const literal = parts.slice(
    0,
    parts.findIndex((part) => /[*?]/.test(part)),
  );
  return literal.join('/');
}

async function filesUnder(root: string, folder: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(path.join(root, folder), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: string[] = [];
  for (const entry of entries) {
    // Installed packages are covered by the lock file; dot folders are tool state, not sources.
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const relative = folder ? `${folder}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await filesUnder(root, relative)));
    else if (entry.isFile()) files.push(relative);
  }
  return files;
}

/** Every file the key reads, relative to the root, sorted: the watched sources, then the root files that exist. */
export async function keyedFiles(root: string, keyed?: KeyedPaths): Promise<string[]> {
  const paths = keyed ?? (await readKeyedPaths(root));
  const folders = [...new Set(paths.include.map(baseFolderOf))];
  // A glob without a fixed folder (`**/*.ts`) walks the whole root.
  const walked = folders.includes('')
    ? await filesUnder(root, '')
    : (await Promise.all(folders.map((folder) => filesUnder(root, folder)))).flat();
  const sources = [...new Set(walked)].filter((file) => isKeyedPath(file, paths));
  const rootFiles = (await readdir(root)).filter((name) =>
    (KEYED_ROOT_FILES as readonly string[]).includes(name),
  );
  return [...new Set([...sources, ...rootFiles])].sort();
}

/** The synthesis key: a hash over the content of every keyed file and the command-line context. */
export async function synthesisKey(inputs: SynthesisKeyInputs): Promise<string> {
  const files = await keyedFiles(inputs.root);
  const hash = createHash('sha256').update(`${KEY_FORMAT}\n`);
  const digests = await Promise.all(
    files.map(async (file) => {
      const content = await readFile(path.join(inputs.root, file));
      return `${file}\0${createHash('sha256').update(content).digest('hex')}\n`;
    }),
  );
  for (const digest of digests) hash.update(digest);
  const context = Object.entries(inputs.context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  hash.update(`context\0${JSON.stringify(context)}\n`);
  return hash.digest('hex');
}
