import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { apiEvent, lambdaContext } from '../../test/support/lambda.ts';
import { NotificationRequest } from '../delivery/schemas.ts';
import { RescheduleDeliveryRequest, ScheduleDeliveryRequest } from '../scheduler/schemas.ts';
import { buildOpenApiDocument, schemaRef } from './document.ts';
import { handler } from './get-openapi.ts';

type Json = Record<string, unknown>;

/** Inlines every `$ref` against a definitions table, so two documents can be compared by value. */
function deref(value: unknown, definitions: Record<string, unknown>, prefix: string): unknown {
  if (Array.isArray(value)) return value.map((item) => deref(item, definitions, prefix));
  if (value === null || typeof value !== 'object') return value;
  const { $ref, ...rest } = value as Json;
  if (typeof $ref === 'string') {
    const target = deref(definitions[$ref.replace(prefix, '')], definitions, prefix) as Json;
    return { ...target, ...(deref(rest, definitions, prefix) as Json) };
  }
  return Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, deref(v, definitions, prefix)]));
}

/** The validator's own JSON Schema, fully inlined. */
function validatorSchema(schema: z.ZodType): unknown {
  const {
    $schema: _dialect,
    $defs,
    ...root
  } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }) as Json & {
    $defs?: Record<string, unknown>;
  };
  return deref(root, $defs ?? {}, '#/$defs/');
}

const document = buildOpenApiDocument();
type Operation = {
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, Json>;
  security?: unknown[];
};
const operation = (path: string, method: string) =>
  (document.paths[path] as Record<string, Operation> | undefined)?.[method];

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1', () => {
    expect(document.openapi).toBe('3.1.0');
  });

  it('lists every public route of docs/architecture.md §3', () => {
    const routes = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );

    expect(routes.sort()).toEqual(
      [
        'POST /v1/deliveries',
        'GET /v1/deliveries/{deliveryId}',
        'GET /v1/deliveries',
        'PATCH /v1/deliveries/{deliveryId}',
        'DELETE /v1/deliveries/{deliveryId}',
        'POST /v1/deliveries/{deliveryId}/notifications',
        'GET /v1/deliveries/{deliveryId}/history',
        'GET /v1/openapi.json',
      ].sort(),
    );
  });

  it.each([
    ['/v1/deliveries', 'post', ScheduleDeliveryRequest],
    ['/v1/deliveries/{deliveryId}', 'patch', RescheduleDeliveryRequest],
    ['/v1/deliveries/{deliveryId}/notifications', 'post', NotificationRequest],
  ] as const)('describes the body of %s %s with the validator’s own schema', (path, method, validator) => {
    const schema = operation(path, method)?.requestBody?.content['application/json']?.schema;

    const inlined = deref(schema, document.components.schemas, '#/components/schemas/');

    expect(inlined).toEqual(validatorSchema(validator));
  });

  it('answers schedule with 202 and Location, and its refusals with problem bodies', () => {
    const responses = operation('/v1/deliveries', 'post')?.responses ?? {};

    expect(Object.keys(responses).sort()).toEqual([
      '202',
      '400',
      '401',
      '403',
      '409',
      '413',
      '415',
      '500',
      '503',
    ]);
    expect(responses['202']).toHaveProperty('headers.Location');
    expect(responses['409']).toEqual(
      expect.objectContaining({
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      }),
    );
  });

  it('declares 404 and 409 for cancel, and 409 for reschedule', () => {
    expect(Object.keys(operation('/v1/deliveries/{deliveryId}', 'delete')?.responses ?? {})).toEqual(
      expect.arrayContaining(['202', '404', '409']),
    );
    expect(Object.keys(operation('/v1/deliveries/{deliveryId}', 'patch')?.responses ?? {})).toContain('409');
  });

  it('requires a bearer token everywhere except for the document itself', () => {
    expect(document.security).toEqual([{ bearerAuth: [] }]);
    expect(operation('/v1/openapi.json', 'get')?.security).toEqual([]);
    expect(operation('/v1/deliveries', 'get')?.security).toBeUndefined();
  });

  it('has a component for every schema it references', () => {
    const refs = JSON.stringify(document).match(/#\/components\/schemas\/[A-Za-z0-9_]+/g) ?? [];

    const missing = refs
      .map((ref) => ref.split('/').at(-1) ?? '')
      .filter((id) => !(id in document.components.schemas));

    expect(missing).toEqual([]);
  });

  it('turns list queries into query parameters', () => {
    const list = (document.paths['/v1/deliveries'] as Record<string, { parameters?: Json[] }>).get;

    expect(list?.parameters?.map((p) => [p.name, p.in])).toEqual([
      ['limit', 'query'],
      ['nextToken', 'query'],
    ]);
  });

  it('refuses one schema id used for two different shapes', () => {
    const components = {};
    schemaRef(z.object({ a: z.string() }).meta({ id: 'Twice' }), 'input', components);

    expect(() => schemaRef(z.object({ b: z.number() }).meta({ id: 'Twice' }), 'input', components)).toThrow(
      'schema id Twice',
    );
  });
});

describe('GET /v1/openapi.json', () => {
  it('serves the document as JSON without authentication', async () => {
    const response = await handler(apiEvent({ method: 'GET', path: '/v1/openapi.json' }), lambdaContext());

    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toBe('application/json');
    expect(JSON.parse(response.body ?? '{}')).toEqual(JSON.parse(JSON.stringify(document)));
  });
});
