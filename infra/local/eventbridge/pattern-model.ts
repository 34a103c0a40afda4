// The compiled form of an event pattern, the error for a refused one, and the value tests both sides share.

/** The error AWS answers for a pattern it refuses (`InvalidEventPatternException`). */
export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternException';
  constructor(reason: string) {
    super(`Event pattern is not valid. Reason: ${reason}`);
  }
}

/** A JSON leaf: what pattern operators apply to (an object in the event is never a leaf). */
export type Scalar = string | number | boolean | null;

/** One alternative of a leaf's array of alternatives. */
export type Matcher =
  | { kind: 'exact'; value: Scalar }
  | { kind: 'prefix'; value: string; ignoreCase: boolean }
  | { kind: 'suffix'; value: string; ignoreCase: boolean }
  | { kind: 'equals-ignore-case'; value: string }
  | { kind: 'wildcard'; regex: RegExp }
  | { kind: 'anything-but'; test: (value: Scalar) => boolean }
  | { kind: 'numeric'; test: (value: number) => boolean }
  | { kind: 'exists'; value: boolean }
  | { kind: 'cidr'; bytes: number[]; bits: number };

/** A pattern field: a leaf with its alternatives, or a nested object pattern. */
export type FieldPattern =
  | { kind: 'leaf'; key: string; matchers: Matcher[] }
  | { kind: 'object'; key: string; pattern: ObjectPattern };

/** An object level of a pattern: every field must match (AND), and every `$or` too. */
export interface ObjectPattern {
  fields: FieldPattern[];
  /** Each entry is one `$or`: the object matches when any of its alternatives does. */
  ors: ObjectPattern[][];
}

/** A validated event pattern, ready to match events. */
export interface CompiledPattern {
  readonly source: unknown;
  readonly root: ObjectPattern;
}

/** Whether a value is a JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a value is a JSON leaf a pattern can match (finite numbers only). */
export function isScalar(value: unknown): value is Scalar {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/** Case folding for the equals-ignore-case family. */
export function fold(value: string): string {
  return value.toUpperCase().toLowerCase();
}
