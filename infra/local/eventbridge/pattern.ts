// EventBridge event patterns: validation ("compilation") and matching, following the semantics AWS
// documents for event buses (and that its open-source engine, Event Ruler, implements):
// - a pattern is a JSON object; every leaf is an array of alternatives (OR), every field must match (AND);
// - an event array matches when any of its elements matches; objects inside arrays are matched element by
//   element, so two fields can only match together when they come from the same array element;
// - operators only apply to leaves (scalars): an object in the event is never a leaf;
// - prefix, suffix, equals-ignore-case and wildcard only match strings; numeric only matches JSON numbers;
// - an empty array matches nothing; `null` only matches JSON null, never a missing field or "".

/** The error AWS answers for a pattern it refuses (`InvalidEventPatternException`). */
export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternException';
  constructor(reason: string) {
    super(`Event pattern is not valid. Reason: ${reason}`);
  }
}

type Scalar = string | number | boolean | null;

type Matcher =
  | { kind: 'exact'; value: Scalar }
  | { kind: 'prefix'; value: string; ignoreCase: boolean }
  | { kind: 'suffix'; value: string; ignoreCase: boolean }
  | { kind: 'equals-ignore-case'; value: string }
  | { kind: 'wildcard'; regex: RegExp }
  | { kind: 'anything-but'; test: (value: Scalar) => boolean }
  | { kind: 'numeric'; test: (value: number) => boolean }
  | { kind: 'exists'; value: boolean }
  | { kind: 'cidr'; bytes: number[]; bits: number };

type FieldPattern =
  | { kind: 'leaf'; key: string; matchers: Matcher[] }
  | { kind: 'object'; key: string; pattern: ObjectPattern };

interface ObjectPattern {
  fields: FieldPattern[];
  /** Each entry is one `$or`: the object matches when any of its alternatives does. */
  ors: ObjectPattern[][];
}

/** A validated event pattern, ready to match events. */
export interface CompiledPattern {
  readonly source: unknown;
  readonly root: ObjectPattern;
}

const OPERATORS = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
]);

// Event Ruler's documented numeric range.
const NUMERIC_LIMIT = 5e9;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is Scalar {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

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

function compileMatcher(item: unknown, path: string): Matcher {
  if (isScalar(item)) return { kind: 'exact', value: item };
  if (!isPlainObject(item)) {
    throw new InvalidEventPatternError(
      `Match value must be String, number, true, false, or null at "${path}"`,
    );
  }
  const keys = Object.keys(item);
  if (keys.length !== 1) {
    throw new InvalidEventPatternError(`Only one key allowed in match expression at "${path}"`);
  }
  const operator = keys[0] as string;
  const operand = item[operator];
  switch (operator) {
    case 'prefix':
    case 'suffix':
      return compileAffix(operator, operand, path);
    case 'equals-ignore-case':
      return { kind: 'equals-ignore-case', value: requireString(operand, operator, path) };
    case 'wildcard':
      return { kind: 'wildcard', regex: compileWildcard(requireString(operand, operator, path), path) };
    case 'anything-but':
      return { kind: 'anything-but', test: compileAnythingBut(operand, path) };
    case 'numeric':
      return { kind: 'numeric', test: compileNumeric(operand, path) };
    case 'exists':
      if (typeof operand !== 'boolean') {
        throw new InvalidEventPatternError(`exists match pattern must be either true or false at "${path}"`);
      }
      return { kind: 'exists', value: operand };
    case 'cidr':
      return compileCidr(operand, path);
    default:
      throw new InvalidEventPatternError(`Unrecognized match type ${operator} at "${path}"`);
  }
}

function requireString(value: unknown, operator: string, path: string): string {
  if (typeof value !== 'string') {
    throw new InvalidEventPatternError(`${operator} match pattern must be a string at "${path}"`);
  }
  return value;
}

function compileAffix(operator: 'prefix' | 'suffix', operand: unknown, path: string): Matcher {
  if (isPlainObject(operand)) {
    const keys = Object.keys(operand);
    if (keys.length !== 1 || keys[0] !== 'equals-ignore-case') {
      throw new InvalidEventPatternError(
        `Unsupported ${operator} pattern at "${path}": only equals-ignore-case is allowed inside`,
      );
    }
    const value = requireString(operand['equals-ignore-case'], `${operator} equals-ignore-case`, path);
    return { kind: operator, value: fold(value), ignoreCase: true };
  }
  return { kind: operator, value: requireString(operand, operator, path), ignoreCase: false };
}

function fold(value: string): string {
  return value.toUpperCase().toLowerCase();
}

function compileWildcard(pattern: string, path: string): RegExp {
  let source = '';
  let previousWasStar = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === '\\') {
      const next = pattern[i + 1];
      if (next !== '*' && next !== '\\') {
        throw new InvalidEventPatternError(`Invalid escape character at pos ${i} in wildcard at "${path}"`);
      }
      source += `\\${next}`;
      i++;
      previousWasStar = false;
    } else if (char === '*') {
      if (previousWasStar) {
        throw new InvalidEventPatternError(`Consecutive wildcard characters at pos ${i} at "${path}"`);
      }
      source += '.*';
      previousWasStar = true;
    } else {
      source += char.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&');
      previousWasStar = false;
    }
  }
  return new RegExp(`^${source}$`, 's');
}

function compileAnythingBut(operand: unknown, path: string): (value: Scalar) => boolean {
  if (typeof operand === 'string' || (typeof operand === 'number' && Number.isFinite(operand))) {
    return (value) => !sameScalar(value, operand);
  }
  if (Array.isArray(operand)) {
    const allStrings = operand.every((v) => typeof v === 'string');
    const allNumbers = operand.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (!allStrings && !allNumbers) {
      throw new InvalidEventPatternError(
        `Inside anything-but list, only all strings or all numbers are supported at "${path}"`,
      );
    }
    return (value) => !operand.some((excluded) => sameScalar(value, excluded as Scalar));
  }
  if (isPlainObject(operand)) {
    const keys = Object.keys(operand);
    if (keys.length !== 1) {
      throw new InvalidEventPatternError(`Only one key allowed in anything-but expression at "${path}"`);
    }
    const key = keys[0] as string;
    const inner = operand[key];
    switch (key) {
      case 'prefix': {
        const prefix = requireNonEmpty(requireString(inner, 'anything-but prefix', path), key, path);
        return (value) => !(typeof value === 'string' && value.startsWith(prefix));
      }
      case 'suffix': {
        const suffix = requireNonEmpty(requireString(inner, 'anything-but suffix', path), key, path);
        return (value) => !(typeof value === 'string' && value.endsWith(suffix));
      }
      case 'equals-ignore-case': {
        const excluded = new Set(stringOrStrings(inner, 'anything-but equals-ignore-case', path).map(fold));
        return (value) => !(typeof value === 'string' && excluded.has(fold(value)));
      }
      case 'wildcard': {
        const regexes = stringOrStrings(inner, 'anything-but wildcard', path).map((w) =>
          compileWildcard(w, path),
        );
        return (value) => !(typeof value === 'string' && regexes.some((regex) => regex.test(value)));
      }
      default:
        throw new InvalidEventPatternError(`Unsupported anything-but pattern: ${key} at "${path}"`);
    }
  }
  throw new InvalidEventPatternError(
    `Inside anything-but, only a string, a number, a list of either, or an object is supported at "${path}"`,
  );
}

function requireNonEmpty(value: string, operator: string, path: string): string {
  if (value === '') {
    throw new InvalidEventPatternError(`Empty ${operator} is not allowed in anything-but at "${path}"`);
  }
  return value;
}

function stringOrStrings(value: unknown, operator: string, path: string): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) {
    return value as string[];
  }
  throw new InvalidEventPatternError(
    `${operator} must be a string or a non-empty list of strings at "${path}"`,
  );
}

function sameScalar(a: Scalar, b: Scalar): boolean {
  return a === b;
}

function compileNumeric(operand: unknown, path: string): (value: number) => boolean {
  if (!Array.isArray(operand) || operand.length === 0) {
    throw new InvalidEventPatternError(`Value of numeric must be a non-empty array at "${path}"`);
  }
  if (operand.length !== 2 && operand.length !== 4) {
    throw new InvalidEventPatternError(`Invalid number of members in numeric match at "${path}"`);
  }
  let lower: { value: number; inclusive: boolean } | undefined;
  let upper: { value: number; inclusive: boolean } | undefined;
  let equals: number | undefined;
  for (let i = 0; i < operand.length; i += 2) {
    const op = operand[i];
    const value = operand[i + 1];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InvalidEventPatternError(`Value of ${String(op)} must be a number at "${path}"`);
    }
    if (value < -NUMERIC_LIMIT || value > NUMERIC_LIMIT) {
      throw new InvalidEventPatternError(`Value must be between -5.0E9 and 5.0E9, inclusive at "${path}"`);
    }
    switch (op) {
      case '=':
        if (operand.length !== 2) {
          throw new InvalidEventPatternError(`"=" cannot be combined with another comparison at "${path}"`);
        }
        equals = value;
        break;
      case '>':
      case '>=':
        if (lower) throw new InvalidEventPatternError(`Bad numeric range: two lower bounds at "${path}"`);
        lower = { value, inclusive: op === '>=' };
        break;
      case '<':
      case '<=':
        if (upper) throw new InvalidEventPatternError(`Bad numeric range: two upper bounds at "${path}"`);
        upper = { value, inclusive: op === '<=' };
        break;
      default:
        throw new InvalidEventPatternError(`Unrecognized numeric range operator: ${String(op)} at "${path}"`);
    }
  }
  if (equals !== undefined) {
    const target = equals;
    return (value) => value === target;
  }
  if (lower && upper && lower.value >= upper.value) {
    throw new InvalidEventPatternError(`Bad numeric range: bottom must be less than top at "${path}"`);
  }
  return (value) => {
    if (lower && (lower.inclusive ? value < lower.value : value <= lower.value)) return false;
    if (upper && (upper.inclusive ? value > upper.value : value >= upper.value)) return false;
    return true;
  };
}

function compileCidr(operand: unknown, path: string): Matcher {
  if (typeof operand !== 'string') {
    throw new InvalidEventPatternError(`cidr match pattern must be a string at "${path}"`);
  }
  const [address, bitsText, extra] = operand.split('/');
  const bytes = address === undefined ? undefined : parseIp(address);
  if (!bytes || extra !== undefined) {
    throw new InvalidEventPatternError(`Nonstandard IP address: ${operand} at "${path}"`);
  }
  const maxBits = bytes.length * 8;
  const bits = bitsText === undefined ? maxBits : /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : Number.NaN;
  if (!Number.isInteger(bits) || bits < 0 || bits > maxBits) {
    throw new InvalidEventPatternError(`Invalid CIDR mask: ${operand} at "${path}"`);
  }
  return { kind: 'cidr', bytes, bits };
}

/** Parses an IPv4 (4 bytes) or IPv6 (16 bytes) address; undefined when it is neither. */
export function parseIp(text: string): number[] | undefined {
  if (text.includes(':')) return parseIpv6(text);
  return parseIpv4(text);
}

function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    bytes.push(value);
  }
  return bytes;
}

function parseIpv6(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups = part.split(':');
    const bytes: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      const group = groups[i] as string;
      if (i === groups.length - 1 && group.includes('.')) {
        const v4 = parseIpv4(group);
        if (!v4) return undefined;
        bytes.push(...v4);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
        const value = Number.parseInt(group, 16);
        bytes.push(value >> 8, value & 0xff);
      }
    }
    return bytes;
  };
  const head = parseGroups(halves[0] as string);
  const tail = halves.length === 2 ? parseGroups(halves[1] as string) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 16 ? head : undefined;
  const missing = 16 - head.length - tail.length;
  if (missing < 2) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

function inCidr(value: string, cidr: { bytes: number[]; bits: number }): boolean {
  const bytes = parseIp(value);
  if (!bytes || bytes.length !== cidr.bytes.length) return false;
  let remaining = cidr.bits;
  for (let i = 0; i < bytes.length && remaining > 0; i++) {
    const take = Math.min(8, remaining);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[i] as number) & mask) !== ((cidr.bytes[i] as number) & mask)) return false;
    remaining -= take;
  }
  return true;
}

/** Whether an event (any JSON value) matches a compiled pattern. Never throws. */
export function matchesPattern(pattern: CompiledPattern, event: unknown): boolean {
  return matchObject(pattern.root, isPlainObject(event) ? event : undefined);
}

/** Validates a pattern and tests one event against it (what `TestEventPattern` does). */
export function testEventPattern(pattern: unknown, event: unknown): boolean {
  return matchesPattern(compilePattern(pattern), event);
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
