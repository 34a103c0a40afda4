// Consumer compatibility of two JSON Schemas of the same detail: within a schemaVersion only
// additive changes are allowed, so anything an existing producer or consumer could trip over
// (a field removed or retyped, an optional field made required, an allowed value withdrawn) is
// reported as a breaking change.
import type { JsonSchema } from './json-schema.ts';

export type BreakingChange = {
  /** Dotted path of the field, `(root)` for the schema itself. */
  path: string;
  kind: 'removed' | 'retyped' | 'newly-required' | 'enum-value-removed' | 'const-changed';
  message: string;
};

function asSchema(value: unknown): JsonSchema | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonSchema)
    : undefined;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

// The set of JSON types a schema admits; unions (anyOf/oneOf) contribute all their members.
function typesOf(schema: JsonSchema): string[] {
  const own = typeof schema.type === 'string' ? [schema.type] : stringList(schema.type);
  const members = [
    ...(Array.isArray(schema.anyOf) ? schema.anyOf : []),
    ...(Array.isArray(schema.oneOf) ? schema.oneOf : []),
  ]
    .map(asSchema)
    .filter((s): s is JsonSchema => s !== undefined)
    .flatMap(typesOf);
  return [...new Set([...own, ...members])].sort();
}

function join(path: string, key: string): string {
  return path === '(root)' ? key : `${path}.${key}`;
}

/** Lists the changes from `baseline` to `current` that would break a consumer; empty when compatible. */
export function findBreakingChanges(
  baseline: JsonSchema,
  current: JsonSchema,
  path = '(root)',
): BreakingChange[] {
  const changes: BreakingChange[] = [];

  const baseTypes = typesOf(baseline);
  const currentTypes = typesOf(current);
  if (baseTypes.join('|') !== currentTypes.join('|')) {
    changes.push({
      path,
      kind: 'retyped',
      message: `${path} changed type from ${baseTypes.join('|') || 'any'} to ${currentTypes.join('|') || 'any'}`,
    });
    return changes;
  }

  if (Array.isArray(baseline.enum)) {
    const allowed = Array.isArray(current.enum) ? current.enum : undefined;
    for (const value of baseline.enum) {
      if (allowed !== undefined && !allowed.includes(value)) {
        changes.push({
          path,
          kind: 'enum-value-removed',
          message: `${path} no longer allows ${JSON.stringify(value)}`,
        });
      }
    }
  }

  if (
    'const' in baseline &&
    'const' in current &&
    JSON.stringify(baseline.const) !== JSON.stringify(current.const)
  ) {
    changes.push({
      path,
      kind: 'const-changed',
      message: `${path} changed from ${JSON.stringify(baseline.const)} to ${JSON.stringify(current.const)}`,
    });
  }

  const baseProperties = asSchema(baseline.properties) ?? {};
  const currentProperties = asSchema(current.properties) ?? {};
  const baseRequired = new Set(stringList(baseline.required));
  const currentRequired = new Set(stringList(current.required));

  for (const [key, baseProperty] of Object.entries(baseProperties)) {
    const fieldPath = join(path, key);
    const currentProperty = asSchema(currentProperties[key]);
    if (currentProperty === undefined) {
      changes.push({ path: fieldPath, kind: 'removed', message: `${fieldPath} was removed` });
      continue;
    }
    if (!baseRequired.has(key) && currentRequired.has(key)) {
      changes.push({ path: fieldPath, kind: 'newly-required', message: `${fieldPath} became required` });
    }
    changes.push(...findBreakingChanges(asSchema(baseProperty) ?? {}, currentProperty, fieldPath));
  }

  // A new field must be optional: events already in the archive do not carry it.
  for (const key of currentRequired) {
    if (!(key in baseProperties)) {
      const fieldPath = join(path, key);
      changes.push({
        path: fieldPath,
        kind: 'newly-required',
        message: `${fieldPath} was added as required`,
      });
    }
  }

  const baseItems = asSchema(baseline.items);
  const currentItems = asSchema(current.items);
  if (baseItems !== undefined && currentItems !== undefined) {
    changes.push(...findBreakingChanges(baseItems, currentItems, `${path}[]`));
  }

  return changes;
}
