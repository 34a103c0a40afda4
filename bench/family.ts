// A family of benchmarks that share what they are made from (a synthesized stack, say): expanded
// once into one benchmark per member, measured one after the other with the family's own settings,
// then summed up in a section of its own under the results table.
import type { BenchmarkDefinition, BenchmarkResult, MeasureSettings } from './harness.ts';

/** The members of a family, ready to measure, with what the report says of them as a whole. */
export interface ExpandedFamily {
  definitions: BenchmarkDefinition[];
  /** A Markdown section about the members' results, for the report. */
  summary(results: readonly BenchmarkResult[]): string;
  dispose(): Promise<void>;
}

/** What a family module exports. */
export interface BenchmarkFamily {
  name: string;
  /** One sentence: what each member's subject costs compared to what. */
  description: string;
  /** Replaces the run's settings for every member. */
  settings: MeasureSettings;
  expand(): Promise<ExpandedFamily>;
}
