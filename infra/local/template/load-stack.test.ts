// Loading a cloud assembly from disk: stack choice, asset folders and inline function code.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadStack, type Template } from './load-stack.ts';
import { sub } from './test-support.ts';

describe('loadStack', () => {
  let dir: string;
  let stateDir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cdk-out-'));
    stateDir = await mkdtemp(path.join(tmpdir(), 'state-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(stateDir, { recursive: true, force: true });
  });

  async function writeAssembly(template: Template) {
    await writeFile(
      path.join(dir, 'manifest.json'),
      JSON.stringify({
        version: '48.0.0',
        artifacts: {
          'App.assets': { type: 'cdk:asset-manifest', properties: { file: 'App.assets.json' } },
          App: {
            type: 'aws:cloudformation:stack',
            dependencies: ['App.assets'],
            properties: { templateFile: 'App.template.json' },
          },
        },
      }),
    );
    await writeFile(path.join(dir, 'App.template.json'), JSON.stringify(template));
    await writeFile(
      path.join(dir, 'App.assets.json'),
      JSON.stringify({
        version: '48.0.0',
        files: {
          abc123: {
            source: { path: 'asset.abc123', packaging: 'zip' },
            destinations: { 'current_account-current_region': { bucketName: 'b', objectKey: 'abc123.zip' } },
          },
        },
      }),
    );
    await mkdir(path.join(dir, 'asset.abc123'));
    await writeFile(path.join(dir, 'asset.abc123', 'index.mjs'), 'export const handler = async () => 1;');
  }

  it('maps a function whose code is an S3 asset to the asset folder', async () => {
    await writeAssembly({
      Resources: {
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Code: { S3Bucket: { 'Fn::Sub': `cdk-assets-${sub('AWS::AccountId')}` }, S3Key: 'abc123.zip' },
          },
        },
      },
    });

    const stack = await loadStack(dir, { edgeUrl: 'http://127.0.0.1:4566', apiBasePort: 3100, stateDir });

    expect(stack.stackName).toBe('App');
    expect(stack.functionCode.get('Fn')).toBe(path.join(dir, 'asset.abc123'));
  });

  it('writes inline function code to the state folder as a CommonJS index.js', async () => {
    await writeAssembly({
      Resources: {
        Inline: {
          Type: 'AWS::Lambda::Function',
          Properties: { Code: { ZipFile: 'exports.handler = async () => 2;' } },
        },
      },
    });

    const stack = await loadStack(dir, { edgeUrl: 'http://127.0.0.1:4566', apiBasePort: 3100, stateDir });

    const folder = stack.functionCode.get('Inline')!;
    expect(await readFile(path.join(folder, 'index.js'), 'utf8')).toBe('exports.handler = async () => 2;');
    expect(JSON.parse(await readFile(path.join(folder, 'package.json'), 'utf8'))).toEqual({
      type: 'commonjs',
    });
  });

  it('refuses a function whose asset key is not in the asset manifest', async () => {
    await writeAssembly({
      Resources: {
        Fn: { Type: 'AWS::Lambda::Function', Properties: { Code: { S3Bucket: 'b', S3Key: 'missing.zip' } } },
      },
    });

    await expect(
      loadStack(dir, { edgeUrl: 'http://127.0.0.1:4566', apiBasePort: 3100, stateDir }),
    ).rejects.toThrow(
      'No asset in the cloud assembly has object key missing.zip (resource Fn, property Code)',
    );
  });

  it('refuses a stack name that is not in the assembly', async () => {
    await writeAssembly({ Resources: {} });

    await expect(
      loadStack(dir, { edgeUrl: 'http://127.0.0.1:4566', apiBasePort: 3100, stackName: 'Other', stateDir }),
    ).rejects.toThrow(/No stack Other .*stacks: App/);
  });
});
