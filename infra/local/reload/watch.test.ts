import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type SourceWatcher, watchSources } from './watch.ts';

// The recursive watcher on real folders: nested and new folders, unwatched folders, closing.

let root: string;
let watcher: SourceWatcher | undefined;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'watch-sources-'));
  mkdirSync(path.join(root, 'functions', 'drone'), { recursive: true });
  mkdirSync(path.join(root, 'docs'));
});

afterEach(() => {
  watcher?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('watchSources', () => {
  it('hands over a saved file in a nested folder, relative to the root', async () => {
    const onChanges = vi.fn();
    watcher = watchSources({
      root,
      folders: ['functions', 'missing'],
      debounceMs: 20,
      onChanges,
      onError: vi.fn(),
    });

    writeFileSync(path.join(root, 'functions', 'drone', 'assign.ts'), 'export {};');

    await vi.waitFor(() => expect(onChanges).toHaveBeenCalled(), { timeout: 10_000 });
    expect(onChanges.mock.calls[0]?.[0]).toEqual(['functions/drone/assign.ts']);
  });

  it('sees files in folders made after it started', async () => {
    const onChanges = vi.fn();
    watcher = watchSources({ root, folders: ['functions'], debounceMs: 20, onChanges, onError: vi.fn() });

    mkdirSync(path.join(root, 'functions', 'history'));
    writeFileSync(path.join(root, 'functions', 'history', 'record.ts'), 'export {};');

    await vi.waitFor(
      () => expect(onChanges.mock.calls.flatMap(([files]) => files)).toContain('functions/history/record.ts'),
      { timeout: 10_000 },
    );
  });

  it('ignores folders it was not asked to watch, and stops when closed', async () => {
    const onChanges = vi.fn();
    watcher = watchSources({ root, folders: ['functions'], debounceMs: 20, onChanges, onError: vi.fn() });

    writeFileSync(path.join(root, 'docs', 'notes.ts'), 'export {};');
    watcher.close();
    writeFileSync(path.join(root, 'functions', 'drone', 'after.ts'), 'export {};');
    // A file written after both shows that the first two were not reported by the time it is.
    const probe = vi.fn();
    watcher = watchSources({
      root,
      folders: ['functions'],
      debounceMs: 20,
      onChanges: probe,
      onError: vi.fn(),
    });
    writeFileSync(path.join(root, 'functions', 'drone', 'probe.ts'), 'export {};');
    await vi.waitFor(() => expect(probe).toHaveBeenCalled(), { timeout: 10_000 });

    expect(onChanges).not.toHaveBeenCalled();
  });
});
