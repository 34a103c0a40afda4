import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readBundleInputs } from './bundle-inputs.ts';
import { createInputMap } from './input-map.ts';

// What a bundle was made from (its source map) and the map from a source file to its functions.

describe('readBundleInputs', () => {
  let root: string;
  let codeDir: string;

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'bundle-inputs-'));
    codeDir = path.join(root, 'cdk.out', 'asset.1');
    mkdirSync(codeDir, { recursive: true });
    writeFileSync(path.join(codeDir, 'index.mjs'), 'export const handler = () => 1;');
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  function writeMap(map: unknown) {
    writeFileSync(path.join(codeDir, 'index.mjs.map'), JSON.stringify(map));
  }

  it('takes the last source as the entry and keeps the project files', async () => {
    writeMap({
      version: 3,
      sources: [
        '../../node_modules/zod/index.js',
        '../../shared/http.ts',
        '../../../elsewhere/x.ts',
        '../../functions/openapi/get-openapi.ts',
      ],
      mappings: '',
    });

    const inputs = await readBundleInputs(codeDir, 'index.handler', root);

    expect(inputs).toEqual({
      entry: path.join(root, 'functions/openapi/get-openapi.ts'),
      inputs: [path.join(root, 'shared/http.ts'), path.join(root, 'functions/openapi/get-openapi.ts')],
    });
  });

  it('honours a source root', async () => {
    writeMap({ version: 3, sourceRoot: '../..', sources: ['functions/a.ts'], mappings: '' });

    const inputs = await readBundleInputs(codeDir, 'index.handler', root);

    expect(inputs?.entry).toBe(path.join(root, 'functions/a.ts'));
  });

  it('finds no inputs without a source map, or when the entry is no project file', async () => {
    const withoutMap = await readBundleInputs(codeDir, 'index.handler', root);
    writeMap({ version: 3, sources: ['../../node_modules/cdk/provider.js'], mappings: '' });
    const packageEntry = await readBundleInputs(codeDir, 'index.handler', root);
    const otherHandler = await readBundleInputs(codeDir, 'main.handler', root);

    expect(withoutMap).toBeUndefined();
    expect(packageEntry).toBeUndefined();
    expect(otherHandler).toBeUndefined();
  });
});

describe('createInputMap', () => {
  it('finds the functions whose bundles include a file', () => {
    const map = createInputMap();
    map.addFunction('/p/functions/a.ts', 'A');
    map.addFunction('/p/functions/b.ts', 'B');
    map.addFunction('/p/functions/b.ts', 'B2');
    map.setInputs('/p/functions/a.ts', ['/p/shared/http.ts']);
    map.setInputs('/p/functions/b.ts', ['/p/shared/http.ts', '/p/functions/b-core.ts']);

    expect(map.entriesOf(['/p/shared/http.ts'])).toEqual(['/p/functions/a.ts', '/p/functions/b.ts']);
    expect(map.entriesOf(['/p/functions/a.ts'])).toEqual(['/p/functions/a.ts']);
    expect(map.entriesOf(['/p/functions/b-core.ts', '/p/other.ts'])).toEqual(['/p/functions/b.ts']);
    expect(map.functionsOf('/p/functions/b.ts')).toEqual(['B', 'B2']);
  });

  it('forgets the inputs a rebuilt bundle no longer has', () => {
    const map = createInputMap();
    map.addFunction('/p/functions/a.ts', 'A');
    map.setInputs('/p/functions/a.ts', ['/p/shared/old.ts']);

    map.setInputs('/p/functions/a.ts', ['/p/shared/new.ts']);

    expect(map.entriesOf(['/p/shared/old.ts'])).toEqual([]);
    expect(map.entriesOf(['/p/shared/new.ts'])).toEqual(['/p/functions/a.ts']);
  });
});
