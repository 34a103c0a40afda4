// Regenerates events/schemas/<DetailType>.json and completes events/compatibility-baseline.json:
// `npx tsx events/write-json-schemas.ts`.
import { fileURLToPath } from 'node:url';
import { writeJsonSchemas } from './json-schema.ts';

const schemasDir = fileURLToPath(new URL('./schemas/', import.meta.url));
const baselinePath = fileURLToPath(new URL('./compatibility-baseline.json', import.meta.url));
const added = writeJsonSchemas(schemasDir, baselinePath);
console.log(`wrote the JSON Schemas to ${schemasDir}`);
console.log(added.length > 0 ? `baseline entries added: ${added.join(', ')}` : 'baseline unchanged');
