// Compiles a leaf's match values (exact values and each operator), refusing what AWS refuses.
import { parseIp } from './ip.ts';
import {
  fold,
  InvalidEventPatternError,
  isPlainObject,
  isScalar,
  type Matcher,
  type Scalar,
} from './pattern-model.ts';

/** The operator names; a field named after one cannot be an `$or` alternative. */
export const OPERATORS = new Set([
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

/** Compiles one alternative of a leaf's array: a scalar (exact match) or a one-key operator object. */
export function compileMatcher(item: unknown, path: string): Matcher {
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
