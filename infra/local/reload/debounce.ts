// Collects a burst of changes (an editor's save writes a file more than once, a "save all" writes
// several) into one batch, handed over once no change came for a short while.

export interface Debouncer<T> {
  /** Adds an item to the batch under way and waits `delayMs` again. */
  add(item: T): void;
  /** Drops the batch under way. */
  cancel(): void;
}

/** Calls `flush` with the distinct items added, in order, once `delayMs` passed without a new one; `since` is when the first came. */
export function createDebouncer<T>(
  delayMs: number,
  flush: (items: T[], since: number) => void,
  now: () => number = () => performance.now(),
): Debouncer<T> {
  let items = new Set<T>();
  let since = 0;
  let timer: NodeJS.Timeout | undefined;
  return {
    add(item) {
      if (items.size === 0) since = now();
      items.add(item);
      clearTimeout(timer);
      timer = setTimeout(() => {
        const batch = [...items];
        items = new Set();
        flush(batch, since);
      }, delayMs);
    },
    cancel() {
      clearTimeout(timer);
      items = new Set();
    },
  };
}
