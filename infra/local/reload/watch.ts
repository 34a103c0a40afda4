// Watches folders of the project for changed files (node:fs watch, recursive: inotify on Linux,
// FSEvents on macOS, ReadDirectoryChangesW on Windows) and hands them over in debounced batches.
import { existsSync, type FSWatcher, watch } from 'node:fs';
import path from 'node:path';
import { createDebouncer } from './debounce.ts';

export interface SourceWatcherOptions {
  root: string;
  /** Folders under the root to watch; missing ones are skipped. */
  folders: readonly string[];
  /** How long to wait after the last change of a burst. */
  debounceMs: number;
  /** The changed files, relative to the root with `/`, and when the first of them changed (performance.now()). */
  onChanges(files: string[], since: number): void;
  onError(error: Error): void;
}

export interface SourceWatcher {
  close(): void;
}

/** Starts watching; changes come in batches once a burst is over. */
export function watchSources(options: SourceWatcherOptions): SourceWatcher {
  const debouncer = createDebouncer<string>(options.debounceMs, options.onChanges);
  const watchers: FSWatcher[] = [];
  for (const folder of options.folders) {
    const dir = path.join(options.root, folder);
    if (!existsSync(dir)) continue;
    const watcher = watch(dir, { recursive: true }, (_event, filename) => {
      if (filename) debouncer.add(`${folder}/${filename.split(path.sep).join('/')}`);
    });
    watcher.on('error', options.onError);
    watchers.push(watcher);
  }
  return {
    close() {
      debouncer.cancel();
      for (const watcher of watchers) watcher.close();
    },
  };
}
