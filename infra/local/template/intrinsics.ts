// Resolution of CloudFormation intrinsic functions to plain JSON, for the local cloud.

/** What `Ref: AWS::NoValue` (directly or through `Fn::If`) resolves to: the caller drops the property. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');
export type Resolved = unknown;

/** A template the local cloud cannot run, with where it happened. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

/** Where a value sits in the template, for error messages ("resource Foo, property A.B"). */
export interface Location {
  /** `resource <LogicalId>`, `condition <Name>`, ... */
  owner: string;
  path: string[];
}

/** Formats a location as the error messages show it. */
export function describeLocation(location: Location): string {
  return location.path.length > 0 ? `${location.owner}, property ${location.path.join('.')}` : location.owner;
}

function fail(message: string, location: Location): never {
  throw new TemplateError(`${message} (${describeLocation(location)})`);
}

/** What the resolver needs from the stack being loaded. */
export interface ResolveContext {
  /** `Ref` of a pseudo parameter, parameter or resource. */
  ref(name: string, location: Location): unknown;
  getAtt(logicalId: string, attribute: string, location: Location): string;
  condition(name: string, location: Location): boolean;
  findInMap(mapName: string, topKey: string, secondKey: string, location: Location): unknown;
  availabilityZones(region: string): string[];
}

const at = (location: Location, ...segments: (string | number)[]): Location => ({
  owner: location.owner,
  path: [...location.path, ...segments.map(String)],
});

function isIntrinsic(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || (keys[0]?.startsWith('Fn::') ?? false));
}

function asString(value: unknown, what: string, location: Location): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return fail(`${what} must resolve to a string, got ${JSON.stringify(value)}`, location);
}

function asArray(value: unknown, what: string, location: Location): unknown[] {
  if (Array.isArray(value)) return value;
  return fail(`${what} expects a list`, location);
}

/** Resolves every intrinsic function in a value; `NO_VALUE` means "remove this property". */
export function resolveValue(value: unknown, ctx: ResolveContext, location: Location): Resolved {
  if (Array.isArray(value)) {
    return value
      .map((item, index) => resolveValue(item, ctx, at(location, index)))
      .filter((item) => item !== NO_VALUE);
  }
  if (value === null || typeof value !== 'object') return value;
  if (isIntrinsic(value)) return resolveIntrinsic(value, ctx, location);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const resolved = resolveValue(item, ctx, at(location, key));
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}

function resolveIntrinsic(node: Record<string, unknown>, ctx: ResolveContext, location: Location): Resolved {
  const [name, arg] = Object.entries(node)[0] as [string, unknown];
  const here = at(location, name);
  switch (name) {
    case 'Ref': {
      const target = asString(arg, 'Ref', here);
      return target === 'AWS::NoValue' ? NO_VALUE : ctx.ref(target, location);
    }
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = parseGetAtt(arg, ctx, here);
      return ctx.getAtt(logicalId, attribute, location);
    }
    case 'Fn::If': {
      const args = asArray(arg, 'Fn::If', here);
      if (args.length !== 3) fail('Fn::If expects [condition, valueIfTrue, valueIfFalse]', here);
      const conditionName = asString(args[0], 'Fn::If condition', here);
      const branch = ctx.condition(conditionName, here) ? args[1] : args[2];
      return resolveValue(branch, ctx, location);
    }
    case 'Fn::Join': {
      const args = asArray(arg, 'Fn::Join', here);
      const delimiter = asString(args[0], 'Fn::Join delimiter', here);
      const list = asArray(resolveValue(args[1], ctx, here), 'Fn::Join', here);
      return list.map((item) => asString(item, 'Fn::Join element', here)).join(delimiter);
    }
    case 'Fn::Sub':
      return resolveSub(arg, ctx, here);
    case 'Fn::Select': {
      const args = asArray(arg, 'Fn::Select', here);
      const index = Number(resolveValue(args[0], ctx, here));
      const list = asArray(resolveValue(args[1], ctx, here), 'Fn::Select', here);
      if (!Number.isInteger(index) || index < 0 || index >= list.length) {
        fail(`Fn::Select index ${String(args[0])} is out of range`, here);
      }
      return list[index];
    }
    case 'Fn::Split': {
      const args = asArray(arg, 'Fn::Split', here);
      const delimiter = asString(args[0], 'Fn::Split delimiter', here);
      return asString(resolveValue(args[1], ctx, here), 'Fn::Split source', here).split(delimiter);
    }
    case 'Fn::GetAZs': {
      const region = asString(resolveValue(arg, ctx, here) ?? '', 'Fn::GetAZs region', here);
      return ctx.availabilityZones(region);
    }
    case 'Fn::Base64':
      return Buffer.from(asString(resolveValue(arg, ctx, here), 'Fn::Base64', here)).toString('base64');
    case 'Fn::FindInMap': {
      const args = asArray(arg, 'Fn::FindInMap', here).map((item) =>
        asString(resolveValue(item, ctx, here), 'Fn::FindInMap key', here),
      );
      if (args.length !== 3) fail('Fn::FindInMap expects [map, topKey, secondKey]', here);
      return ctx.findInMap(args[0]!, args[1]!, args[2]!, here);
    }
    case 'Fn::Equals':
    case 'Fn::Not':
    case 'Fn::And':
    case 'Fn::Or':
      return evaluateCondition(node, ctx, location);
    default:
      return fail(`${name} is not supported by the local cloud`, here);
  }
}

function parseGetAtt(arg: unknown, ctx: ResolveContext, location: Location): [string, string] {
  if (typeof arg === 'string') {
    const dot = arg.indexOf('.');
    if (dot <= 0) fail(`Fn::GetAtt "${arg}" is not of the form Resource.Attribute`, location);
    return [arg.slice(0, dot), arg.slice(dot + 1)];
  }
  const args = asArray(arg, 'Fn::GetAtt', location);
  if (args.length !== 2) fail('Fn::GetAtt expects [resource, attribute]', location);
  const logicalId = asString(args[0], 'Fn::GetAtt resource', location);
  const attribute = asString(resolveValue(args[1], ctx, location), 'Fn::GetAtt attribute', location);
  return [logicalId, attribute];
}

function resolveSub(arg: unknown, ctx: ResolveContext, location: Location): string {
  let template: string;
  const variables = new Map<string, unknown>();
  if (typeof arg === 'string') {
    template = arg;
  } else {
    const args = asArray(arg, 'Fn::Sub', location);
    template = asString(args[0], 'Fn::Sub template', location);
    const map = args[1];
    if (map !== undefined) {
      if (map === null || typeof map !== 'object' || Array.isArray(map)) {
        fail('Fn::Sub variables must be a map', location);
      }
      for (const [key, value] of Object.entries(map)) {
        variables.set(key, resolveValue(value, ctx, at(location, key)));
      }
    }
  }
  return template.replace(/\$\{([^}]*)\}/g, (_match, inner: string) => {
    if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
    const name = inner.trim();
    if (variables.has(name)) return asString(variables.get(name), `Fn::Sub variable ${name}`, location);
    const dot = name.indexOf('.');
    if (dot > 0) return ctx.getAtt(name.slice(0, dot), name.slice(dot + 1), location);
    return asString(ctx.ref(name, location), `Fn::Sub reference ${name}`, location);
  });
}

/** Evaluates a condition expression (`Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or`, `Condition`). */
export function evaluateCondition(expression: unknown, ctx: ResolveContext, location: Location): boolean {
  if (typeof expression === 'boolean') return expression;
  if (expression === null || typeof expression !== 'object' || Array.isArray(expression)) {
    return fail(`a condition must be a condition function, got ${JSON.stringify(expression)}`, location);
  }
  const entries = Object.entries(expression);
  if (entries.length !== 1) fail('a condition must be a single condition function', location);
  const [name, arg] = entries[0] as [string, unknown];
  const here = at(location, name);
  switch (name) {
    case 'Condition':
      return ctx.condition(asString(arg, 'Condition', here), here);
    case 'Fn::Equals': {
      const args = asArray(arg, 'Fn::Equals', here);
      if (args.length !== 2) fail('Fn::Equals expects two values', here);
      const [left, right] = args.map((item) => resolveValue(item, ctx, here));
      return JSON.stringify(normalizeScalar(left)) === JSON.stringify(normalizeScalar(right));
    }
    case 'Fn::Not': {
      const args = asArray(arg, 'Fn::Not', here);
      if (args.length !== 1) fail('Fn::Not expects one condition', here);
      return !evaluateCondition(args[0], ctx, here);
    }
    case 'Fn::And':
      return asArray(arg, 'Fn::And', here).every((item) => evaluateCondition(item, ctx, here));
    case 'Fn::Or':
      return asArray(arg, 'Fn::Or', here).some((item) => evaluateCondition(item, ctx, here));
    default:
      return fail(`${name} is not a condition function`, here);
  }
}

// CloudFormation compares scalars as strings: {"Fn::Equals": [1, "1"]} is true.
function normalizeScalar(value: unknown): unknown {
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
}
