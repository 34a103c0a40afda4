import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  assemblyProblems,
  cdkSynthArguments,
  decideSynthesis,
  describeSynthesis,
  ensureSynthesized,
  KEY_FILE,
  localSynthEnvironment,
} from './cache.ts';
import { synthesisKey } from './key.ts';
import { acquireLock } from './lock.ts';

let root: string;
let outdir: string;

async function write(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

// What `cdk synth` leaves: a manifest naming a template and an asset manifest, and the asset folder.
async function writeAssembly(dir: string, template = '{"Resources":{}}', asset = 'abc'): Promise<void> {
  await write(
    path.join(dir, 'manifest.json'),
    JSON.stringify({
      version: '48.0.0',
      artifacts: {
        'App.assets': { type: 'cdk:asset-manifest', properties: { file: 'App.assets.json' } },
        App: { type: 'aws:cloudformation:stack', properties: { templateFile: 'App.template.json' } },
        Tree: { type: 'cdk:tree', properties: { file: 'tree.json' } },
      },
    }),
  );
  await write(path.join(dir, 'App.template.json'), template);
  await write(
    path.join(dir, 'App.assets.json'),
    JSON.stringify({
      version: '48.0.0',
      files: { [asset]: { source: { path: `asset.${asset}`, packaging: 'zip' } } },
    }),
  );
  await write(path.join(dir, `asset.${asset}`, 'index.mjs'), 'export const handler = () => 1;');
}

// A fake synthesis that records its calls and writes a complete assembly.
function recordingSynthesis() {
  const calls: Record<string, string>[] = [];
  return {
    calls,
    synthesize: async (request: { outdir: string; context: Readonly<Record<string, string>> }) => {
      calls.push({ ...request.context });
      await writeAssembly(request.outdir);
    },
  };
}

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'synth-cache-'));
  outdir = path.join(root, 'cdk.out');
  await write(
    path.join(root, 'cdk.json'),
    JSON.stringify({
      app: 'node infra/app.ts',
      watch: { include: ['infra/**', 'functions/**'], exclude: [] },
    }),
  );
  await write(path.join(root, 'package-lock.json'), '{}');
  await write(path.join(root, 'infra', 'app.ts'), 'export {};');
  await write(path.join(root, 'functions', 'handler.ts'), 'export const handler = () => 1;');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('decideSynthesis', () => {
  const context = { stage: 'dev' };

  async function synthesizedOnce(): Promise<string> {
    await ensureSynthesized({ root, outdir, context, synthesize: recordingSynthesis().synthesize });
    return synthesisKey({ root, context });
  }

  it('synthesizes where no synthesis was recorded', async () => {
    await writeAssembly(outdir);

    const decision = await decideSynthesis(outdir, await synthesisKey({ root, context }));

    expect(decision).toEqual({ synthesize: true, reason: 'no earlier synthesis here' });
  });

  it('skips when the key matches and the assembly is complete and untouched', async () => {
    const key = await synthesizedOnce();

    const decision = await decideSynthesis(outdir, key);

    expect(decision).toEqual({ synthesize: false, reason: 'nothing it is made from changed' });
  });

  it('synthesizes when the key differs', async () => {
    await synthesizedOnce();

    const decision = await decideSynthesis(outdir, await synthesisKey({ root, context: { stage: 'prod' } }));

    expect(decision).toEqual({
      synthesize: true,
      reason: 'the app, its dependencies or the context changed',
    });
  });

  it('synthesizes when an asset folder is gone, naming it', async () => {
    const key = await synthesizedOnce();
    await rm(path.join(outdir, 'asset.abc'), { recursive: true });

    const decision = await decideSynthesis(outdir, key);

    expect(decision).toEqual({
      synthesize: true,
      reason: 'the cloud assembly is incomplete: asset asset.abc is missing',
    });
  });

  it('synthesizes when another synthesis rewrote the template since', async () => {
    const key = await synthesizedOnce();
    await writeAssembly(outdir, '{"Resources":{"Other":{"Type":"AWS::SQS::Queue"}}}');

    const decision = await decideSynthesis(outdir, key);

    expect(decision).toEqual({ synthesize: true, reason: 'another synthesis wrote to the folder since' });
  });
});

describe('assemblyProblems', () => {
  it('names a missing manifest', async () => {
    expect(await assemblyProblems(outdir)).toEqual(['manifest.json is missing or unreadable']);
  });

  it('names a missing template', async () => {
    await writeAssembly(outdir);
    await rm(path.join(outdir, 'App.template.json'));

    expect(await assemblyProblems(outdir)).toEqual(['App.template.json of App is missing']);
  });
});

describe('ensureSynthesized', () => {
  it('synthesizes the first time and skips the second when nothing changed', async () => {
    const synthesis = recordingSynthesis();

    const first = await ensureSynthesized({ root, outdir, context: {}, synthesize: synthesis.synthesize });
    const second = await ensureSynthesized({ root, outdir, context: {}, synthesize: synthesis.synthesize });

    expect(synthesis.calls).toHaveLength(1);
    expect(first).toMatchObject({ synthesized: true, reason: 'no earlier synthesis here', outdir });
    expect(second).toMatchObject({ synthesized: false, synthSeconds: 0, key: first.key });
  });

  it('synthesizes again after a keyed file changed', async () => {
    const synthesis = recordingSynthesis();
    await ensureSynthesized({ root, outdir, context: {}, synthesize: synthesis.synthesize });

    await write(path.join(root, 'functions', 'handler.ts'), 'export const handler = () => 2;');
    const again = await ensureSynthesized({ root, outdir, context: {}, synthesize: synthesis.synthesize });

    expect(synthesis.calls).toHaveLength(2);
    expect(again.synthesized).toBe(true);
  });

  it('passes the context to the synthesis and synthesizes again when it changes', async () => {
    const synthesis = recordingSynthesis();

    await ensureSynthesized({ root, outdir, context: { stage: 'dev' }, synthesize: synthesis.synthesize });
    await ensureSynthesized({
      root,
      outdir,
      context: { stage: 'dev', droneSimulator: 'false' },
      synthesize: synthesis.synthesize,
    });

    expect(synthesis.calls).toEqual([{ stage: 'dev' }, { stage: 'dev', droneSimulator: 'false' }]);
  });

  it('leaves no key behind when a synthesis fails, so the next start synthesizes', async () => {
    const synthesis = recordingSynthesis();
    await ensureSynthesized({ root, outdir, context: {}, synthesize: synthesis.synthesize });
    await write(path.join(root, 'infra', 'app.ts'), 'export const broken = true;');

    const failed = ensureSynthesized({
      root,
      outdir,
      context: {},
      synthesize: async () => {
        throw new Error('cdk synth failed');
      },
    });
    await expect(failed).rejects.toThrow('cdk synth failed');
    await write(path.join(root, 'infra', 'app.ts'), 'export {};');
    const next = await ensureSynthesized({ root, outdir, context: {}, synthesize: synthesis.synthesize });

    expect(next).toMatchObject({ synthesized: true, reason: 'no earlier synthesis here' });
  });

  it('refuses an assembly the synthesis left incomplete, and records no key for it', async () => {
    const attempt = ensureSynthesized({
      root,
      outdir,
      context: {},
      synthesize: async (request) => {
        await writeAssembly(request.outdir);
        await rm(path.join(request.outdir, 'asset.abc'), { recursive: true });
      },
    });

    await expect(attempt).rejects.toThrow(/incomplete cloud assembly .*asset asset.abc is missing/);
    await expect(readFile(path.join(outdir, KEY_FILE))).rejects.toThrow(/ENOENT/);
  });

  it('removes the bundles of older syntheses but keeps the previous one, which a running cloud may use', async () => {
    const generation = (asset: string) => async (request: { outdir: string }) =>
      writeAssembly(request.outdir, `{"Description":"${asset}"}`, asset);
    const edit = (n: number) => write(path.join(root, 'functions', 'handler.ts'), `export const n = ${n};`);
    await ensureSynthesized({ root, outdir, context: {}, synthesize: generation('one') });
    await edit(2);
    await ensureSynthesized({ root, outdir, context: {}, synthesize: generation('two') });

    await edit(3);
    await ensureSynthesized({ root, outdir, context: {}, synthesize: generation('three') });

    const assets = (await readdir(outdir)).filter((name) => name.startsWith('asset.')).sort();
    expect(assets).toEqual(['asset.three', 'asset.two']);
  });

  it('lets two callers at once share one synthesis', async () => {
    const synthesis = recordingSynthesis();
    const waits: string[] = [];
    let started!: () => void;
    const synthesisStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const slowSynthesis = async (request: { outdir: string; context: Readonly<Record<string, string>> }) => {
      started();
      await finished;
      await synthesis.synthesize(request);
    };
    const options = { root, outdir, context: {}, synthesize: slowSynthesis, lockPollMs: 5 };

    const first = ensureSynthesized({ ...options, log: (line) => waits.push(line) });
    const second = ensureSynthesized({ ...options, log: (line) => waits.push(line) });
    await synthesisStarted;
    finish();
    const outcomes = await Promise.all([first, second]);

    expect(synthesis.calls).toHaveLength(1);
    expect(outcomes.map((outcome) => outcome.synthesized).sort()).toEqual([false, true]);
    expect(waits).toContain(`waiting for the synthesis that process ${process.pid} runs into ${outdir}`);
  });
});

describe('acquireLock', () => {
  it('takes over the lock of a process that died', async () => {
    const file = path.join(root, 'lock');
    await writeFile(file, '999999\n');

    const lock = await acquireLock(file, { isAlive: () => false });

    expect(await readFile(file, 'utf8')).toBe(`${process.pid}\n`);
    await lock.release();
  });

  it('waits for a live holder and names it', async () => {
    const file = path.join(root, 'lock');
    const held = await acquireLock(file);
    const waitedFor: number[] = [];

    const next = acquireLock(file, {
      pollMs: 5,
      onWait: (pid) => {
        waitedFor.push(pid);
        void held.release();
      },
    });
    const lock = await next;

    expect(waitedFor).toEqual([process.pid]);
    await lock.release();
  });
});

describe('describeSynthesis', () => {
  const outcome = { outdir: '/app/cdk.out', key: 'k', checkSeconds: 0.21, synthSeconds: 0 };

  it('says a skipped synthesis was skipped, why, and how long the check took', () => {
    const line = describeSynthesis({
      ...outcome,
      synthesized: false,
      reason: 'nothing it is made from changed',
    });

    expect(line).toBe('synthesis skipped: nothing it is made from changed (checked in 0.2 s)');
  });

  it('says how long a synthesis took and why it ran', () => {
    const line = describeSynthesis({
      ...outcome,
      synthesized: true,
      reason: 'no earlier synthesis here',
      synthSeconds: 31.26,
    });

    expect(line).toBe('synthesized in 31.3 s (no earlier synthesis here)');
  });
});

describe('a local synthesis', () => {
  it('runs in the local region with no AWS account or profile, and reports to no one', () => {
    const env = localSynthEnvironment({
      PATH: '/usr/bin',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_PROFILE: 'work',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
      CDK_DEFAULT_ACCOUNT: '123456789012',
    });

    expect(env).toEqual({
      PATH: '/usr/bin',
      AWS_REGION: 'us-east-1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
      CDK_DISABLE_CLI_TELEMETRY: 'true',
    });
  });

  it('gives the CLI the context and the output folder', () => {
    expect(cdkSynthArguments('/tmp/out', { stage: 'dev', droneSimulator: 'false' })).toEqual([
      'synth',
      '--quiet',
      '--no-validation',
      '-c',
      'stage=dev',
      '-c',
      'droneSimulator=false',
      '--output',
      '/tmp/out',
    ]);
  });
});
