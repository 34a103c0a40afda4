import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const STATE_FILE = 'state.json';
export const DEFAULT_STATE_DIR = '.local';

/** A JWT authorizer of an API: the issuer it trusts and the audiences it accepts. */
export interface AuthorizerState {
  issuer: string;
  audience: string[];
}

export interface ApiState {
  logicalId: string;
  apiId: string;
  url: string;
  authorizers: AuthorizerState[];
}

/** What a running local cloud tells its tools (`npm run token`, ...): written by the start CLI. */
export interface LocalCloudState {
  edge: string;
  apis: ApiState[];
}

/** The state folder: `LOCAL_STATE_DIR` if set, else `.local` in the working directory. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.LOCAL_STATE_DIR || DEFAULT_STATE_DIR;
}

/** Writes the running local cloud's state for its tools. */
export async function writeLocalCloudState(stateDir: string, state: LocalCloudState): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const file = join(stateDir, STATE_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`);
  await rename(temporary, file);
}

/** Reads the local cloud's state; `undefined` when the local cloud was never started in this folder. */
export async function readLocalCloudState(stateDir: string): Promise<LocalCloudState | undefined> {
  let text: string;
  try {
    text = await readFile(join(stateDir, STATE_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<LocalCloudState>;
  if (typeof parsed.edge !== 'string' || !Array.isArray(parsed.apis)) {
    throw new Error(`${join(stateDir, STATE_FILE)} is not a local cloud state file`);
  }
  // Other fields the start CLI adds (resource names for other tools) are kept.
  return parsed as LocalCloudState;
}
