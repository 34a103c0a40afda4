// Matches events against compiled patterns, with the semantics AWS documents for event buses.
import { inCidr } from './ip.ts';
import {
  type CompiledPattern,
  fold,
  isPlainObject,
  isScalar,
  type Matcher,
  type ObjectPattern,
  type Scalar,
} from './pattern-model.ts';

// As AWS documents (and its open-source engine, Event Ruler, implements):
// - a pattern is a JSON object; every leaf is an array of alternatives (OR), every field must match (AND);
// - an event array matches when any of its elements matches; objects inside arrays are matched element by
//   element, so two fields can only match together when they come from the same array element;
// - operators only apply to leaves (scalars): an object in the event is never a leaf;
// - prefix, suffix, equals-ignore-case and wildcard only match strings; numeric only matches JSON numbers;
// - an empty array matches nothing; `null` only matches JSON null, never a missing field or "".

/** Whether an event (any JSON value) matches a compiled pattern. Never throws. */
export function matchesPattern(pattern: CompiledPattern, event: unknown): boolean {
  return matchObject(pattern.root, isPlainObject(event) ? event : undefined);
}

function matchObject(pattern: ObjectPattern, node: Record<string, unknown> | undefined): boolean {
  for (const field of pattern.fields) {
    const child =
      node === undefined ? undefined : Object.hasOwn(node, field.key) ? node[field.key] : undefined;
    if (field.kind === 'leaf') {
      if (!matchLeaf(field.matchers, child)) return false;
    } else if (!matchNested(field.pattern, child)) {
      return false;
    }
  }
  return pattern.ors.every((alternatives) =>
    alternatives.some((alternative) => matchObject(alternative, node)),
  );
}

function matchNested(pattern: ObjectPattern, child: unknown): boolean {
  const objects = flatten(child).filter(isPlainObject);
  // A missing field (or one without objects below it) can still match patterns made only of exists:false.
  if (objects.length === 0) return matchObject(pattern, undefined);
  return objects.some((object) => matchObject(pattern, object));
}

function flatten(value: unknown): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return [value];
  const out: unknown[] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push(current[i]);
    } else {
      out.push(current);
    }
  }
  return out;
}

function matchLeaf(matchers: Matcher[], child: unknown): boolean {
  const leaves = flatten(child).filter(isScalar);
  return matchers.some((matcher) => {
    if (matcher.kind === 'exists') return matcher.value === leaves.length > 0;
    return leaves.some((leaf) => matchScalar(matcher, leaf));
  });
}

function matchScalar(matcher: Exclude<Matcher, { kind: 'exists' }>, value: Scalar): boolean {
  switch (matcher.kind) {
    case 'exact':
      return value === matcher.value;
    case 'prefix':
      if (typeof value !== 'string') return false;
      return (matcher.ignoreCase ? fold(value) : value).startsWith(matcher.value);
    case 'suffix':
      if (typeof value !== 'string') return false;
      return (matcher.ignoreCase ? fold(value) : value).endsWith(matcher.value);
    case 'equals-ignore-case':
      return typeof value === 'string' && fold(value) === fold(matcher.value);
    case 'wildcard':
      return typeof value === 'string' && matcher.regex.test(value);
    case 'anything-but':
      return matcher.test(value);
    case 'numeric':
      return typeof value === 'number' && matcher.test(value);
    case 'cidr':
      return typeof value === 'string' && inCidr(value, matcher);
  }
}
