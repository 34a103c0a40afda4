// Validates an event pattern's structure (objects, leaf arrays, `$or`) and compiles it for matching.

import {
  type CompiledPattern,
  InvalidEventPatternError,
  isPlainObject,
  type ObjectPattern,
} from './pattern-model.ts';
import { compileMatcher, OPERATORS } from './pattern-operators.ts';

/** Validates an event pattern (a JSON string or an already parsed object) and compiles it for matching. */
export function compilePattern(input: unknown): CompiledPattern {
  let pattern: unknown = input;
  if (typeof input === 'string') {
    try {
      pattern = JSON.parse(input);
    } catch (error) {
      throw new InvalidEventPatternError(`Filter is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (!isPlainObject(pattern)) {
    throw new InvalidEventPatternError('Filter is not an object');
  }
  if (Object.keys(pattern).length === 0) {
    throw new InvalidEventPatternError('Empty objects are not allowed');
  }
  return { source: pattern, root: compileObject(pattern, '') };
}

function compileObject(pattern: Record<string, unknown>, path: string): ObjectPattern {
  const result: ObjectPattern = { fields: [], ors: [] };
  for (const [key, value] of Object.entries(pattern)) {
    const fieldPath = path === '' ? key : `${path}.${key}`;
    if (key === '$or' && isOrPrimitive(value)) {
      result.ors.push(value.map((alternative) => compileObject(alternative, path)));
    } else if (Array.isArray(value)) {
      result.fields.push({
        kind: 'leaf',
        key,
        matchers: value.map((item) => compileMatcher(item, fieldPath)),
      });
    } else if (isPlainObject(value)) {
      if (Object.keys(value).length === 0) {
        throw new InvalidEventPatternError(`Empty objects are not allowed at "${fieldPath}"`);
      }
      result.fields.push({ kind: 'object', key, pattern: compileObject(value, fieldPath) });
    } else {
      throw new InvalidEventPatternError(`"${fieldPath}" must be an object or an array`);
    }
  }
  return result;
}

// As Event Ruler does for backward compatibility, "$or" is only the OR primitive when it holds two or more
// objects none of which uses an operator name as a field; otherwise it is an ordinary field name.
function isOrPrimitive(value: unknown): value is Record<string, unknown>[] {
  return (
    Array.isArray(value) &&
    value.length >= 2 &&
    value.every(
      (item) =>
        isPlainObject(item) &&
        Object.keys(item).length > 0 &&
        Object.keys(item).every((k) => !OPERATORS.has(k)),
    )
  );
}
