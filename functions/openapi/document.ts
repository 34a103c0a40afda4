import * as z from 'zod';
import {
  DeliveryList,
  DeliveryStatus,
  ListDeliveriesQuery,
  NotificationRequest,
  NotificationSubscription,
} from '../delivery/schemas.ts';
import { HistoryPage, HistoryQuery } from '../history/schemas.ts';
import {
  AcceptedResponse,
  DeliveryIdParam,
  IdempotencyKey,
  RescheduleDeliveryRequest,
  ScheduleDeliveryRequest,
} from '../scheduler/schemas.ts';
import { Problem } from './schemas.ts';

// The OpenAPI 3.1 document of the public API (docs/architecture.md §3), generated from the zod schemas the
// handlers validate with, so the document cannot drift from what the API accepts.

type JsonSchema = Record<string, unknown>;
type Io = 'input' | 'output';

/** One public route: what it takes and what it answers. */
export interface PublicRoute {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  operationId: string;
  summary: string;
  /** False only for the document itself. */
  authenticated: boolean;
  pathParams?: Record<string, z.ZodType>;
  query?: z.ZodObject;
  headers?: Record<string, { schema: z.ZodType; description: string }>;
  body?: z.ZodType;
  success: { status: number; description: string; schema?: z.ZodType; location?: boolean };
  /** Error statuses besides the ones every authenticated route can answer (401, 500). */
  errors: number[];
}

const deliveryIdParam = { deliveryId: DeliveryIdParam };
const BODY_ERRORS = [400, 413, 415];

/** Every public route of docs/architecture.md §3. */
export const PUBLIC_ROUTES: readonly PublicRoute[] = [
  {
    method: 'post',
    path: '/v1/deliveries',
    operationId: 'scheduleDelivery',
    summary: 'Schedule a delivery',
    authenticated: true,
    headers: {
      'Idempotency-Key': {
        schema: IdempotencyKey,
        description: 'The same key with the same body returns the same delivery; with another body, 409.',
      },
    },
    body: ScheduleDeliveryRequest,
    success: {
      status: 202,
      description: 'Accepted; scheduling runs asynchronously.',
      schema: AcceptedResponse,
      location: true,
    },
    errors: [...BODY_ERRORS, 403, 409, 503],
  },
  {
    method: 'get',
    path: '/v1/deliveries',
    operationId: 'listDeliveries',
    summary: "List the account's deliveries, newest first",
    authenticated: true,
    query: ListDeliveriesQuery,
    success: { status: 200, description: 'A page of deliveries.', schema: DeliveryList },
    errors: [400, 403],
  },
  {
    method: 'get',
    path: '/v1/deliveries/{deliveryId}',
    operationId: 'getDelivery',
    summary: "A delivery's status",
    authenticated: true,
    pathParams: deliveryIdParam,
    success: { status: 200, description: 'The delivery status.', schema: DeliveryStatus },
    errors: [400, 403, 404],
  },
  {
    method: 'patch',
    path: '/v1/deliveries/{deliveryId}',
    operationId: 'rescheduleDelivery',
    summary: 'Reschedule a delivery (new pickup time, deadline and/or dropoff)',
    authenticated: true,
    pathParams: deliveryIdParam,
    body: RescheduleDeliveryRequest,
    success: {
      status: 202,
      description: 'Accepted; rescheduling runs asynchronously.',
      schema: AcceptedResponse,
      location: true,
    },
    errors: [...BODY_ERRORS, 403, 404, 409, 503],
  },
  {
    method: 'delete',
    path: '/v1/deliveries/{deliveryId}',
    operationId: 'cancelDelivery',
    summary: 'Cancel a delivery',
    authenticated: true,
    pathParams: deliveryIdParam,
    success: {
      status: 202,
      description: 'Accepted; cancellation runs asynchronously.',
      schema: AcceptedResponse,
      location: true,
    },
    errors: [400, 403, 404, 409, 503],
  },
  {
    method: 'post',
    path: '/v1/deliveries/{deliveryId}/notifications',
    operationId: 'requestNotification',
    summary: 'Be told by email or SMS when something happens to a delivery',
    authenticated: true,
    pathParams: deliveryIdParam,
    body: NotificationRequest,
    success: { status: 201, description: 'The subscription.', schema: NotificationSubscription },
    errors: [...BODY_ERRORS, 403, 404],
  },
  {
    method: 'get',
    path: '/v1/deliveries/{deliveryId}/history',
    operationId: 'getDeliveryHistory',
    summary: 'Every event of a delivery, oldest first',
    authenticated: true,
    pathParams: deliveryIdParam,
    query: HistoryQuery,
    success: { status: 200, description: 'A page of events.', schema: HistoryPage },
    errors: [400, 403, 404],
  },
  {
    method: 'get',
    path: '/v1/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    authenticated: false,
    success: { status: 200, description: 'The OpenAPI 3.1 document.' },
    errors: [],
  },
];

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (the problem lists each invalid field).',
  401: 'Missing or invalid bearer token.',
  403: 'The token does not name an account.',
  404: "Not found (another account's delivery is not found either).",
  409: 'Conflict with the current state, or an Idempotency-Key reused with another body.',
  413: 'The body exceeds 16 KB.',
  415: 'The body is not JSON.',
  500: 'Internal error.',
  503: 'Temporarily unavailable; retry (with the same Idempotency-Key).',
};

const COMPONENT_REF = '#/components/schemas/';

/** JSON Schema (draft 2020-12) of a zod schema, with named sub-schemas hoisted into `components`. */
export function schemaRef(schema: z.ZodType, io: Io, components: Record<string, JsonSchema>): JsonSchema {
  const {
    $schema: _dialect,
    $defs,
    ...root
  } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as JsonSchema & { $defs?: Record<string, JsonSchema> };
  for (const [id, definition] of Object.entries($defs ?? {})) {
    const rewritten = rewriteRefs(definition) as JsonSchema;
    const existing = components[id];
    if (existing && JSON.stringify(existing) !== JSON.stringify(rewritten)) {
      // Two shapes under one name (e.g. a default making a field optional on input only) would
      // make the document lie about one of them.
      throw new Error(`schema id ${id} has different ${io} and earlier shapes; give them distinct ids`);
    }
    components[id] = rewritten;
  }
  return rewriteRefs(root) as JsonSchema;
}

function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      key === '$ref' && typeof inner === 'string'
        ? inner.replace('#/$defs/', COMPONENT_REF)
        : rewriteRefs(inner),
    ]),
  );
}

function problemResponse(status: number, problemRef: JsonSchema) {
  return {
    description: ERROR_DESCRIPTIONS[status] ?? 'Error.',
    content: { 'application/problem+json': { schema: problemRef } },
  };
}

/** Query schemas are flat objects of scalars: each property becomes one query parameter. */
function queryParameters(query: z.ZodObject) {
  const schema = z.toJSONSchema(query, { target: 'draft-2020-12', io: 'input' }) as JsonSchema & {
    $ref?: string;
    $defs?: Record<string, JsonSchema>;
  };
  const objectSchema = (schema.$ref ? schema.$defs?.[schema.$ref.replace('#/$defs/', '')] : schema) as
    | { properties?: Record<string, JsonSchema>; required?: string[] }
    | undefined;
  return Object.entries(objectSchema?.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: objectSchema?.required?.includes(name) ?? false,
    schema: rewriteRefs(property),
  }));
}

/** Builds the whole OpenAPI 3.1 document from the route table. */
export function buildOpenApiDocument(routes: readonly PublicRoute[] = PUBLIC_ROUTES) {
  const components: Record<string, JsonSchema> = {};
  const problemRef = schemaRef(Problem, 'output', components);
  const paths: Record<string, Record<string, unknown>> = {};

  for (const route of routes) {
    const parameters = [
      ...Object.entries(route.pathParams ?? {}).map(([name, schema]) => ({
        name,
        in: 'path',
        required: true,
        schema: schemaRef(schema, 'input', components),
      })),
      ...(route.query ? queryParameters(route.query) : []),
      ...Object.entries(route.headers ?? {}).map(([name, header]) => ({
        name,
        in: 'header',
        required: false,
        description: header.description,
        schema: schemaRef(header.schema, 'input', components),
      })),
    ];
    const success = {
      description: route.success.description,
      ...(route.success.location
        ? { headers: { Location: { description: 'The delivery.', schema: { type: 'string' } } } }
        : {}),
      content: {
        'application/json': {
          schema: route.success.schema
            ? schemaRef(route.success.schema, 'output', components)
            : { type: 'object' },
        },
      },
    };
    const errorStatuses = [...new Set([...route.errors, ...(route.authenticated ? [401] : []), 500])].sort(
      (a, b) => a - b,
    );
    paths[route.path] ??= {};
    paths[route.path]![route.method] = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.authenticated ? {} : { security: [] }),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: schemaRef(route.body, 'input', components) } },
            },
          }
        : {}),
      responses: {
        [String(route.success.status)]: success,
        ...Object.fromEntries(
          errorStatuses.map((status) => [String(status), problemResponse(status, problemRef)]),
        ),
      },
    };
  }

  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Drone Delivery API',
      version: '1.0.0',
      description: 'Schedule, follow, reschedule and cancel drone deliveries. Errors are RFC 9457 problems.',
    },
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The token names the user (sub) and the account it acts for (account_id).',
        },
      },
    },
  };
}
