// EventBridge event patterns: validation ("compilation") and matching, as one entry point.
import { compilePattern } from './pattern-compile.ts';
import { matchesPattern } from './pattern-match.ts';

export { compilePattern } from './pattern-compile.ts';
export { matchesPattern } from './pattern-match.ts';
export { type CompiledPattern, InvalidEventPatternError } from './pattern-model.ts';

/** Validates a pattern and tests one event against it (what `TestEventPattern` does). */
export function testEventPattern(pattern: unknown, event: unknown): boolean {
  return matchesPattern(compilePattern(pattern), event);
}
