// Synthesizes a CDK app into a cloud assembly folder only when something it is made from changed
// (docs/architecture.md, the local cloud): `npm start` and the test runs call ensureSynthesized and
// get the assembly in well under a second when nothing did. The key (key.ts) is stored beside the
// assembly with a fingerprint of the assembly itself, so that a synthesis someone else wrote into
// the same folder (`cdk synth -c stage=prod`) is never mistaken for ours.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { LOCAL_REGION } from '../template/load-stack.ts';
import { synthesisKey } from './key.ts';
import { acquireLock } from './lock.ts';

/** The file beside the cloud assembly that records which key made it. */
export const KEY_FILE = '.synth-key';
const LOCK_FILE = '.synth-lock';

interface AssemblyManifest {
  artifacts?: Record<string, { type?: string; properties?: { templateFile?: string; file?: string } }>;
}

interface AssetManifest {
  files?: Record<string, { source?: { path?: string; executable?: unknown } }>;
  dockerImages?: Record<string, { source?: { directory?: string; executable?: unknown } }>;
}

interface StoredKey {
  key: string;
  assembly: string;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

// The manifest, the templates and the asset manifests: the files a synthesis rewrites every time.
async function manifestFiles(outdir: string): Promise<{ files: string[]; problems: string[] }> {
  const manifest = await readJson<AssemblyManifest>(path.join(outdir, 'manifest.json'));
  if (!manifest) return { files: [], problems: ['manifest.json is missing or unreadable'] };
  const files = ['manifest.json'];
  const problems: string[] = [];
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    const file =
      artifact.type === 'aws:cloudformation:stack'
        ? artifact.properties?.templateFile
        : artifact.type === 'cdk:asset-manifest'
          ? artifact.properties?.file
          : undefined;
    if (file === undefined) continue;
    if (await exists(path.join(outdir, file))) files.push(file);
    else problems.push(`${file} of ${id} is missing`);
  }
  return { files, problems };
}

/** What is missing from a cloud assembly (manifest, templates, asset folders); empty when it is complete. */
export async function assemblyProblems(outdir: string): Promise<string[]> {
  const { files, problems } = await manifestFiles(outdir);
  for (const file of files.filter((name) => name !== 'manifest.json')) {
    const assets = await readJson<AssetManifest>(path.join(outdir, file));
    if (!assets || !('files' in assets || 'dockerImages' in assets)) continue;
    const sources = [
      ...Object.values(assets.files ?? {}).map((asset) => asset.source?.path),
      ...Object.values(assets.dockerImages ?? {}).map((asset) => asset.source?.directory),
    ];
    for (const source of sources) {
      if (source !== undefined && !(await exists(path.resolve(outdir, source)))) {
        problems.push(`asset ${source} is missing`);
      }
    }
  }
  return problems;
}

/** The asset folders and files the assembly's asset manifests name, relative to it. */
export async function referencedAssets(outdir: string): Promise<Set<string>> {
  const { files } = await manifestFiles(outdir);
  const referenced = new Set<string>();
  for (const file of files.filter((name) => name !== 'manifest.json')) {
    const assets = await readJson<AssetManifest>(path.join(outdir, file));
    for (const asset of Object.values(assets?.files ?? {})) {
      if (asset.source?.path !== undefined) referenced.add(asset.source.path);
    }
    for (const asset of Object.values(assets?.dockerImages ?? {})) {
      if (asset.source?.directory !== undefined) referenced.add(asset.source.directory);
    }
  }
  return referenced;
}

/**
 * Removes the `asset.*` entries of older syntheses: a synthesis adds its bundles beside the ones it
 * replaces and never removes any, so the folder would grow by every bundle of every change. The
 * previous synthesis's are kept, because a local cloud started from it may still be running.
 */
export async function pruneAssets(outdir: string, keep: ReadonlySet<string>): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(outdir)) {
    if (!name.startsWith('asset.') || keep.has(name)) continue;
    await rm(path.join(outdir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** A hash of the manifest, templates and asset manifests: changes whenever anything synthesizes into the folder. */
export async function assemblyFingerprint(outdir: string): Promise<string> {
  const { files } = await manifestFiles(outdir);
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(`${file}\0`).update(await readFile(path.join(outdir, file)));
  }
  return hash.digest('hex');
}

/** Whether to synthesize, and why. */
export interface SynthesisDecision {
  synthesize: boolean;
  reason: string;
}

/** Decides whether the assembly in `outdir` can be used as it is for `key`. */
export async function decideSynthesis(outdir: string, key: string): Promise<SynthesisDecision> {
  const stored = await readJson<Partial<StoredKey>>(path.join(outdir, KEY_FILE));
  if (typeof stored?.key !== 'string' || typeof stored.assembly !== 'string') {
    return { synthesize: true, reason: 'no earlier synthesis here' };
  }
  if (stored.key !== key) {
    return { synthesize: true, reason: 'the app, its dependencies or the context changed' };
  }
  const problems = await assemblyProblems(outdir);
  if (problems.length > 0) {
    return { synthesize: true, reason: `the cloud assembly is incomplete: ${problems.join(', ')}` };
  }
  if ((await assemblyFingerprint(outdir)) !== stored.assembly) {
    return { synthesize: true, reason: 'another synthesis wrote to the folder since' };
  }
  return { synthesize: false, reason: 'nothing it is made from changed' };
}

async function writeStoredKey(outdir: string, stored: StoredKey): Promise<void> {
  const file = path.join(outdir, KEY_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(stored)}\n`);
  await rename(temporary, file);
}

export interface EnsureSynthesizedOptions {
  /** The CDK project's root. */
  root: string;
  /** The cloud assembly folder (relative to the root, or absolute). */
  outdir: string;
  /** Command-line context (`-c key=value`), part of the key. */
  context: Readonly<Record<string, string>>;
  /** Makes the assembly; the CDK CLI (`runCdkSynth`) by default. */
  synthesize?: (request: {
    root: string;
    outdir: string;
    context: Readonly<Record<string, string>>;
  }) => Promise<void>;
  /** Progress for a person: waiting for another synthesis, synthesizing and why. */
  log?: (line: string) => void;
  /** How often to look again while another process synthesizes (default 250 ms). */
  lockPollMs?: number;
}

/** What ensureSynthesized did. */
export interface SynthesisOutcome {
  /** The cloud assembly folder, absolute. */
  outdir: string;
  synthesized: boolean;
  reason: string;
  key: string;
  /** Seconds spent computing the key and checking the assembly (and waiting for another synthesis). */
  checkSeconds: number;
  /** Seconds the synthesis took; 0 when skipped. */
  synthSeconds: number;
}

/** Synthesizes into `outdir` unless the assembly there was made from the same sources and context; one process at a time. */
export async function ensureSynthesized(options: EnsureSynthesizedOptions): Promise<SynthesisOutcome> {
  const started = performance.now();
  const root = path.resolve(options.root);
  const outdir = path.resolve(root, options.outdir);
  const log = options.log ?? (() => {});
  const synthesize = options.synthesize ?? ((request) => runCdkSynth({ ...request, output: 'inherit' }));
  await mkdir(outdir, { recursive: true });
  const lock = await acquireLock(path.join(outdir, LOCK_FILE), {
    ...(options.lockPollMs === undefined ? {} : { pollMs: options.lockPollMs }),
    onWait: (pid) => log(`waiting for the synthesis that process ${pid} runs into ${outdir}`),
  });
  try {
    // The key is taken before synthesizing: a file edited during the synthesis makes the next key differ.
    const key = await synthesisKey({ root, context: options.context });
    const decision = await decideSynthesis(outdir, key);
    const checked = performance.now();
    const checkSeconds = (checked - started) / 1000;
    if (!decision.synthesize) {
      return { outdir, synthesized: false, reason: decision.reason, key, checkSeconds, synthSeconds: 0 };
    }
    log(`synthesizing: ${decision.reason}`);
    const previous = await referencedAssets(outdir);
    // Without its key the folder never counts as made, whatever happens to this synthesis.
    await rm(path.join(outdir, KEY_FILE), { force: true });
    await synthesize({ root, outdir, context: options.context });
    const problems = await assemblyProblems(outdir);
    if (problems.length > 0) {
      throw new Error(`the synthesis left an incomplete cloud assembly in ${outdir}: ${problems.join(', ')}`);
    }
    await writeStoredKey(outdir, { key, assembly: await assemblyFingerprint(outdir) });
    await pruneAssets(outdir, new Set([...previous, ...(await referencedAssets(outdir))]));
    return {
      outdir,
      synthesized: true,
      reason: decision.reason,
      key,
      checkSeconds,
      synthSeconds: (performance.now() - checked) / 1000,
    };
  } finally {
    await lock.release();
  }
}

/** One line for a person: whether the synthesis ran, why, and how long it took. */
export function describeSynthesis(outcome: SynthesisOutcome): string {
  return outcome.synthesized
    ? `synthesized in ${outcome.synthSeconds.toFixed(1)} s (${outcome.reason})`
    : `synthesis skipped: ${outcome.reason} (checked in ${outcome.checkSeconds.toFixed(1)} s)`;
}

/**
 * The environment a local synthesis runs in: the local cloud's region and no AWS account, so that
 * the template never depends on whose credentials are about (the local cloud serves one fixed
 * account and region), and nothing phones home: the CLI asks no AWS service who the caller is.
 */
export function localSynthEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const local: NodeJS.ProcessEnv = { ...env, AWS_REGION: LOCAL_REGION };
  for (const name of [
    'AWS_DEFAULT_REGION',
    'AWS_PROFILE',
    'AWS_DEFAULT_PROFILE',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'CDK_DEFAULT_ACCOUNT',
    'CDK_DEFAULT_REGION',
  ]) {
    delete local[name];
  }
  // No shared config or credentials files and no instance metadata either: they would name an account.
  local.AWS_CONFIG_FILE = path.join(path.sep, 'dev', 'null');
  local.AWS_SHARED_CREDENTIALS_FILE = path.join(path.sep, 'dev', 'null');
  local.AWS_EC2_METADATA_DISABLED = 'true';
  // Nor the CLI's usage report: offline, the synthesis would wait seconds for it to time out.
  local.CDK_DISABLE_CLI_TELEMETRY = 'true';
  return local;
}

/** The CDK CLI's arguments for a local synthesis. */
export function cdkSynthArguments(outdir: string, context: Readonly<Record<string, string>>): string[] {
  return [
    'synth',
    '--quiet',
    // CDK's CloudFormation validation guards deployments (`cdk synth` and `cdk deploy` run it, and so
    // do the stack's assertion tests); the template is the same without it, made about 5 s sooner.
    '--no-validation',
    ...Object.entries(context).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    '--output',
    outdir,
  ];
}

export interface RunCdkSynthOptions {
  root: string;
  outdir: string;
  context: Readonly<Record<string, string>>;
  /** `inherit` shows the CLI's progress; `capture` keeps it for the error message. */
  output: 'inherit' | 'capture';
}

/** Runs the project's own CDK CLI (`node_modules/aws-cdk`) to synthesize into `outdir`. */
export async function runCdkSynth(options: RunCdkSynthOptions): Promise<void> {
  const cli = path.join(options.root, 'node_modules', 'aws-cdk', 'bin', 'cdk');
  const child = spawn(process.execPath, [cli, ...cdkSynthArguments(options.outdir, options.context)], {
    cwd: options.root,
    env: localSynthEnvironment(process.env),
    stdio: options.output === 'inherit' ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
  });
  let captured = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    captured += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    captured += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) {
    throw new Error(`cdk synth failed (exit code ${code})${captured ? `:\n${captured.slice(-20_000)}` : ''}`);
  }
}
