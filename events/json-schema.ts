// JSON Schema (draft 2020-12) of every detail, generated from the zod schemas so that the schema
// registry, the docs and the compatibility baseline can never drift from the validation in code.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { ALL_DETAIL_TYPES, type DetailType, SCHEMA_VERSIONS, SOURCE_OF } from './catalog.ts';
import { eventSchemas } from './schemas.ts';

export type JsonSchema = { [key: string]: unknown };

/** The JSON Schema of one detail-type's `detail`, open to additional properties like the zod schema. */
export function detailJsonSchema(detailType: DetailType): JsonSchema {
  // io 'input' leaves additionalProperties unset: consumers accept additive fields.
  const generated = z.toJSONSchema(eventSchemas[detailType], { io: 'input', target: 'draft-2020-12' });
  const { $schema, ...body } = generated as JsonSchema;
  return {
    $schema,
    $id: `urn:drone-delivery:events:${detailType}:v${SCHEMA_VERSIONS[detailType]}`,
    title: detailType,
    description: `detail of ${detailType} events published by ${SOURCE_OF[detailType]}, schemaVersion ${SCHEMA_VERSIONS[detailType]}`,
    'x-source': SOURCE_OF[detailType],
    'x-detail-type': detailType,
    'x-schema-version': SCHEMA_VERSIONS[detailType],
    ...body,
  };
}

/** The JSON Schemas of every detail-type of the catalog, keyed by detail-type. */
export function allDetailJsonSchemas(): Record<DetailType, JsonSchema> {
  return Object.fromEntries(ALL_DETAIL_TYPES.map((t) => [t, detailJsonSchema(t)])) as Record<
    DetailType,
    JsonSchema
  >;
}

/** The key of a detail-type's schema in the compatibility baseline, e.g. `DeliveryCreated@1`. */
export function baselineKey(detailType: DetailType): string {
  return `${detailType}@${SCHEMA_VERSIONS[detailType]}`;
}

/**
 * Writes `<DetailType>.json` into `schemasDir` and adds each detail-type's schema to the baseline
 * file under its `<DetailType>@<schemaVersion>` key when that version has none yet. Existing
 * entries are never overwritten: they are the contract of their version. Returns the keys added.
 */
export function writeJsonSchemas(schemasDir: string, baselinePath: string): string[] {
  const schemas = allDetailJsonSchemas();
  const baseline = readBaseline(baselinePath);
  const added: string[] = [];
  mkdirSync(schemasDir, { recursive: true });
  for (const detailType of ALL_DETAIL_TYPES) {
    writeFileSync(
      join(schemasDir, `${detailType}.json`),
      `${JSON.stringify(schemas[detailType], null, 2)}\n`,
    );
    const key = baselineKey(detailType);
    if (!(key in baseline)) {
      baseline[key] = schemas[detailType];
      added.push(key);
    }
  }
  // Left untouched when nothing is added, so that a formatted, committed baseline stays byte-identical.
  if (added.length > 0) {
    const sorted = Object.fromEntries(Object.entries(baseline).sort(([a], [b]) => a.localeCompare(b)));
    writeFileSync(baselinePath, `${JSON.stringify(sorted, null, 2)}\n`);
  }
  return added;
}

/** Reads the compatibility baseline: JSON Schemas keyed by `<DetailType>@<schemaVersion>`; empty when absent. */
export function readBaseline(baselinePath: string): Record<string, JsonSchema> {
  try {
    return JSON.parse(readFileSync(baselinePath, 'utf8')) as Record<string, JsonSchema>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}
