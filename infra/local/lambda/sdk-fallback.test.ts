// Unbundled function code finds the AWS SDK for JavaScript v3, as on Lambda's Node.js runtimes: the
// host offers the project's installed `@aws-sdk/*` packages after the function's own node_modules.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { buildStack, FIXTURES, startHost, stopHost } from './host-test-support.ts';
import { findSdkBase, sdkFallbackFor } from './sdk-path.ts';

const dirs: string[] = [];

// A function folder outside the project, where normal resolution finds no node_modules.
function functionDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lambda-unbundled-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

afterEach(async () => {
  await stopHost();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('createLambdaHost: the AWS SDK for unbundled functions', () => {
  it('lets an ES module handler import @aws-sdk/client-sqs and construct a client', async () => {
    // Prepare
    const code = functionDir({
      'index.mjs': [
        "import { SQSClient } from '@aws-sdk/client-sqs';",
        'export const handler = async () => {',
        '  const client = new SQSClient({});',
        '  const name = client.constructor.name;',
        '  client.destroy();',
        '  return { client: name, region: await client.config.region() };',
        '};',
      ].join('\n'),
    });
    const unresolvable = () => createRequire(join(code, 'index.mjs')).resolve('@aws-sdk/client-sqs');
    const { host } = startHost(buildStack([{ logicalId: 'Unbundled', code }]));
    // Act
    const result = await host.invoke('Unbundled', {});
    // Assess
    expect(unresolvable).toThrow(/Cannot find module/);
    expect(result).toEqual({ ok: true, payload: { client: 'SQSClient', region: 'us-east-1' } });
  });

  it('lets a CommonJS handler require @aws-sdk/client-sqs', async () => {
    // Prepare
    const code = functionDir({
      'index.js': [
        "const { SQSClient } = require('@aws-sdk/client-sqs');",
        'exports.handler = async () => {',
        '  const client = new SQSClient({});',
        '  client.destroy();',
        '  return { client: client.constructor.name };',
        '};',
      ].join('\n'),
    });
    const { host } = startHost(buildStack([{ logicalId: 'Unbundled', code }]));
    // Act
    const result = await host.invoke('Unbundled', {});
    // Assess
    expect(result).toEqual({ ok: true, payload: { client: 'SQSClient' } });
  });

  it("resolves the function's own copy of an SDK package first", async () => {
    // Prepare
    const code = functionDir({
      'index.mjs': [
        "import * as sqs from '@aws-sdk/client-sqs';",
        'export const handler = async () => ({ source: sqs.source ?? "runtime" });',
      ].join('\n'),
      'node_modules/@aws-sdk/client-sqs/package.json': JSON.stringify({
        name: '@aws-sdk/client-sqs',
        type: 'module',
        exports: './index.js',
      }),
      'node_modules/@aws-sdk/client-sqs/index.js': "export const source = 'function';\n",
    });
    const { host } = startHost(buildStack([{ logicalId: 'Unbundled', code }]));
    // Act
    const result = await host.invoke('Unbundled', {});
    // Assess
    expect(result).toEqual({ ok: true, payload: { source: 'function' } });
  });

  it('offers no other package of the project', async () => {
    // Prepare
    const code = functionDir({
      'index.mjs': "import { z } from 'zod';\nexport const handler = async () => typeof z;\n",
    });
    const { host } = startHost(buildStack([{ logicalId: 'Unbundled', code }]));
    // Act
    const result = await host.invoke('Unbundled', {});
    // Assess
    expect(result).toMatchObject({ ok: false, errorType: 'Runtime.ImportModuleError' });
  });
});

describe('sdkFallbackFor', () => {
  const projectRoot = dirname(dirname(dirname(dirname(fileURLToPath(import.meta.url)))));

  it("finds the project's installed SDK from the host's folder, and none from a temporary folder", () => {
    // Prepare
    const outside = functionDir({});
    // Act
    const found = [findSdkBase(), findSdkBase(outside)];
    // Assess
    expect(found).toEqual([projectRoot, undefined]);
  });

  it('falls back only for code outside the folder that holds the SDK', () => {
    // Prepare
    const outside = functionDir({});
    // Act
    const bases = [sdkFallbackFor(outside, projectRoot), sdkFallbackFor(join(FIXTURES, 'echo'), projectRoot)];
    // Assess
    expect(bases).toEqual([projectRoot, undefined]);
  });
});
