// The hot reload's map from a source file to the functions whose bundles include it: each bundle's
// inputs by its entry (from its source map at start, from esbuild's metafile after each rebuild),
// and the functions built from each entry.

export interface InputMap {
  /** Records that a function runs the bundle of `entry`. */
  addFunction(entry: string, functionId: string): void;
  /** Replaces the inputs of the bundle of `entry`. */
  setInputs(entry: string, inputs: Iterable<string>): void;
  /** The entries whose bundles include any of the files. */
  entriesOf(files: Iterable<string>): string[];
  /** The functions that run the bundle of `entry`. */
  functionsOf(entry: string): string[];
  /** Every entry with at least one function. */
  entries(): string[];
}

/** Creates an empty map. */
export function createInputMap(): InputMap {
  const functionsByEntry = new Map<string, Set<string>>();
  const inputsByEntry = new Map<string, Set<string>>();
  const entriesByInput = new Map<string, Set<string>>();

  function link(input: string, entry: string): void {
    const entries = entriesByInput.get(input) ?? new Set();
    entries.add(entry);
    entriesByInput.set(input, entries);
  }

  return {
    addFunction(entry, functionId) {
      const functions = functionsByEntry.get(entry) ?? new Set();
      functions.add(functionId);
      functionsByEntry.set(entry, functions);
    },
    setInputs(entry, inputs) {
      for (const input of inputsByEntry.get(entry) ?? []) entriesByInput.get(input)?.delete(entry);
      const next = new Set(inputs);
      // The entry is part of its own bundle even where it put no code into it.
      next.add(entry);
      inputsByEntry.set(entry, next);
      for (const input of next) link(input, entry);
    },
    entriesOf(files) {
      const found = new Set<string>();
      for (const file of files) {
        for (const entry of entriesByInput.get(file) ?? []) found.add(entry);
      }
      return [...found].filter((entry) => functionsByEntry.has(entry)).sort();
    },
    functionsOf: (entry) => [...(functionsByEntry.get(entry) ?? [])],
    entries: () => [...functionsByEntry.keys()],
  };
}
