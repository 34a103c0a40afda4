import { json } from '../../shared/http.ts';
import { httpHandler } from '../../shared/middleware/stacks.ts';
import { buildOpenApiDocument } from './document.ts';

// GET /v1/openapi.json (no auth): the document is built once per execution environment.

const document = buildOpenApiDocument();

/** Serves the OpenAPI document; it only changes with a deploy, so clients may cache it briefly. */
export async function core() {
  return json(200, document, { 'cache-control': 'public, max-age=300' });
}

export const handler = httpHandler(core);
